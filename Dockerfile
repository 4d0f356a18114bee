# orderlint as a container: `docker build -t orderlint .` in a clone, then
#   docker run --rm -v "$PWD:/work" orderlint check .
# The project is installed from the build context (a wheel built in a first stage), so the image
# holds the installed tool only, never the source tree.
FROM python:3.11-slim AS wheel
WORKDIR /src
COPY . .
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM python:3.11-slim
COPY --from=wheel /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels \
    && useradd --create-home --uid 10001 orderlint
# Not root: linting reads documents and writes a report, nothing more. To write a report into a
# mounted folder, run with --user "$(id -u):$(id -g)".
USER orderlint
WORKDIR /work
ENV PYTHONDONTWRITEBYTECODE=1
ENTRYPOINT ["orderlint"]
CMD ["--help"]
