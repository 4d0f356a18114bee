"""Drug vocabulary of the built-in SSc-ILD rule pack.

Pure data. ``DRUGS`` maps each canonical ingredient name (lowercase) to its rule classes, the
lowercase names users type for it (brands, abbreviations, salt forms, spelling variants, US
biosimilar full names), its RxNorm ingredient code where ``clinical-facts.md`` section 6 tags one
V or V2, and, for systemic glucocorticoids only, its prednisone-equivalent factor (mg of
prednisone equivalent to 1 mg of the drug, as fixed by ``rules.md``).

Every alias maps to exactly one canonical key, and no alias equals a canonical key.
"""

from __future__ import annotations

DRUGS: dict[str, dict] = {
    # ------------------------------------------------------------------
    # Mycophenolate
    # ------------------------------------------------------------------
    "mycophenolate mofetil": {
        "classes": ["mycophenolate", "immunosuppressant"],
        "aliases": [
            "mmf",
            "cellcept",
            "myfenax",
            "mycophenolate mofetil hydrochloride",
            "mycophenolate mofetil hcl",
            "mmf hydrochloride",
        ],
        "rxcui": "68149",
    },
    "mycophenolic acid": {
        "classes": ["mycophenolate", "immunosuppressant"],
        # "mps" is deliberately NOT here: clinical-facts uses MPS for IV pulse methylprednisolone.
        "aliases": [
            "mpa",
            "ec-mps",
            "ecmps",
            "mycophenolate sodium",
            "enteric-coated mycophenolate sodium",
            "myfortic",
        ],
        "rxcui": "7145",
    },
    # The bare word does not say which salt form: the engine treats it as unspecified. It has no
    # single RxCUI (it could be 68149 or 7145), so none is given.
    "mycophenolate": {
        "classes": ["mycophenolate", "immunosuppressant"],
        "aliases": [],
    },
    # ------------------------------------------------------------------
    # Other immunosuppressants
    # ------------------------------------------------------------------
    "azathioprine": {
        "classes": ["immunosuppressant"],
        "aliases": ["aza", "imuran", "azasan", "imurek", "azathioprine sodium"],
        "rxcui": "1256",  # not 6387 (lidocaine), which one GitHub file gives
    },
    "cyclophosphamide": {
        "classes": ["immunosuppressant"],
        "aliases": [
            "cyc",
            "ctx",
            "cytoxan",
            "endoxan",
            "procytox",
            "cyclophosphamide monohydrate",
        ],
        "rxcui": "3002",
    },
    "rituximab": {
        "classes": ["immunosuppressant"],
        "aliases": [
            "rtx",
            "rituxan",
            "truxima",
            "ruxience",
            "riabni",
            "rituximab-abbs",
            "rituximab-pvvr",
            "rituximab-arrx",
            # SC co-formulation with hyaluronidase: the same active drug for rule purposes.
            "rituxan hycela",
            "rituximab and hyaluronidase",
            "rituximab and hyaluronidase human",
            "rituximab-hyaluronidase",
            "mabthera",
            "riximyo",
            "rixathon",
            "blitzima",
            "ritemvia",
        ],
        "rxcui": "121191",
    },
    "tocilizumab": {
        "classes": ["immunosuppressant"],
        "aliases": [
            "tcz",
            "atlizumab",
            "actemra",
            "actemra actpen",
            "roactemra",
            "tyenne",
            "tofidence",
            "avtozma",
            "tocilizumab-aazg",
            "tocilizumab-bavi",
            "tocilizumab-anoh",
        ],
        "rxcui": "612865",
    },
    "leflunomide": {
        "classes": ["immunosuppressant"],
        "aliases": ["lef", "arava"],
    },
    "methotrexate": {
        "classes": ["immunosuppressant"],
        "aliases": [
            "mtx",
            "methotrexate sodium",
            "trexall",
            "otrexup",
            "rasuvo",
            "xatmep",
            "jylamvo",
            "metoject",
        ],
        "rxcui": "6851",
    },
    # TNF inhibitors
    "infliximab": {
        "classes": ["immunosuppressant", "tnf-inhibitor"],
        "aliases": [
            "ifx",
            "remicade",
            "inflectra",
            "renflexis",
            "avsola",
            "remsima",
            "infliximab-dyyb",
            "infliximab-abda",
            "infliximab-axxq",
        ],
        "rxcui": "191831",
    },
    "adalimumab": {
        "classes": ["immunosuppressant", "tnf-inhibitor"],
        "aliases": [
            "ada",
            "humira",
            "amjevita",
            "amgevita",
            "yusimry",
            "cyltezo",
            "hadlima",
            "hyrimoz",
            "hulio",
            "yuflyma",
            "idacio",
            "adalimumab-atto",
            "adalimumab-aqvh",
            "adalimumab-adbm",
            "adalimumab-bwwd",
            "adalimumab-adaz",
            "adalimumab-fkjp",
            "adalimumab-aaty",
            "adalimumab-aacf",
        ],
        "rxcui": "327361",
    },
    "etanercept": {
        "classes": ["immunosuppressant", "tnf-inhibitor"],
        "aliases": [
            "etn",
            "enbrel",
            "benepali",
            "erelzi",
            "eticovo",
            "etanercept-szzs",
            "etanercept-ykro",
        ],
        "rxcui": "214555",
    },
    "certolizumab pegol": {
        "classes": ["immunosuppressant", "tnf-inhibitor"],
        "aliases": ["czp", "certolizumab", "cimzia"],
    },
    "golimumab": {
        "classes": ["immunosuppressant", "tnf-inhibitor"],
        "aliases": ["glm", "simponi", "simponi aria"],
    },
    "abatacept": {
        "classes": ["immunosuppressant"],
        "aliases": ["aba", "orencia"],
    },
    # JAK inhibitors
    "tofacitinib": {
        "classes": ["immunosuppressant", "jak-inhibitor"],
        "aliases": ["tofa", "xeljanz", "xeljanz xr", "tofacitinib citrate"],
    },
    "baricitinib": {
        "classes": ["immunosuppressant", "jak-inhibitor"],
        "aliases": ["bari", "olumiant"],
    },
    "upadacitinib": {
        "classes": ["immunosuppressant", "jak-inhibitor"],
        "aliases": ["upa", "rinvoq", "rinvoq lq"],
    },
    "ruxolitinib": {
        "classes": ["immunosuppressant", "jak-inhibitor"],
        "aliases": ["rux", "jakafi", "jakavi", "ruxolitinib phosphate"],
    },
    # Calcineurin inhibitors
    "tacrolimus": {
        "classes": ["immunosuppressant", "calcineurin-inhibitor"],
        "aliases": [
            "tac",
            "fk506",
            "fk-506",
            "prograf",
            "envarsus",
            "envarsus xr",
            "astagraf xl",
            "advagraf",
        ],
        "rxcui": "42316",
    },
    "cyclosporine": {
        "classes": ["immunosuppressant", "calcineurin-inhibitor"],
        "aliases": [
            "csa",
            "ciclosporin",
            "cyclosporin",
            "cyclosporin a",
            "cyclosporine modified",
            "cyclosporine non-modified",
            "neoral",
            "sandimmune",
            "sandimmun",
            "gengraf",
        ],
        "rxcui": "3008",
    },
    "voclosporin": {
        "classes": ["immunosuppressant", "calcineurin-inhibitor"],
        "aliases": ["vcs", "lupkynis"],
    },
    # ------------------------------------------------------------------
    # Antifibrotics
    # ------------------------------------------------------------------
    "nintedanib": {
        "classes": ["antifibrotic"],
        # No RxCUI: section 6 found none.
        "aliases": ["ofev", "vargatef", "nintedanib esylate", "nintedanib ethanesulfonate"],
    },
    "pirfenidone": {
        "classes": ["antifibrotic"],
        "aliases": ["pfd", "esbriet"],
        "rxcui": "1592254",
    },
    # ------------------------------------------------------------------
    # IVIG and plasma exchange (ILD101 agents; RP-ILD options)
    # ------------------------------------------------------------------
    "immune globulin": {
        "classes": ["ivig"],
        # Subcutaneous products (e.g. Hizentra) are left out: they are replacement therapy, not
        # the IVIG the rules mean.
        "aliases": [
            "ivig",
            "igiv",
            "igg",
            "immune globulin iv",
            "immune globulin intravenous",
            "immune globulin intravenous (human)",
            "intravenous immune globulin",
            "intravenous immunoglobulin",
            "immunoglobulin",
            "gammagard",
            "gammagard liquid",
            "privigen",
            "octagam",
            "gamunex-c",
            "gamunex",
            "flebogamma",
            "gammaplex",
            "panzyga",
            "bivigam",
            "kiovig",
        ],
    },
    "plasma exchange": {
        "classes": ["plasma-exchange"],
        "aliases": ["plasmapheresis", "plex", "pex", "therapeutic plasma exchange", "tpe"],
    },
    # ------------------------------------------------------------------
    # Glucocorticoids
    # ------------------------------------------------------------------
    "prednisone": {
        "classes": ["glucocorticoid", "systemic-glucocorticoid"],
        "aliases": ["pdn", "deltasone", "rayos", "prednisone intensol"],
        "rxcui": "8640",
        "pe_factor": 1.0,
    },
    "prednisolone": {
        "classes": ["glucocorticoid", "systemic-glucocorticoid"],
        "aliases": [
            "psl",
            "prednisolone sodium phosphate",
            "prednisolone acetate",
            "orapred",
            "orapred odt",
            "millipred",
            "pediapred",
        ],
        "rxcui": "8638",
        "pe_factor": 1.0,
    },
    "methylprednisolone": {
        "classes": ["glucocorticoid", "systemic-glucocorticoid"],
        # "mps" is the IV-pulse abbreviation in clinical-facts, so it maps here and not to
        # mycophenolate sodium. "Solu-Medrol 1 g" is methylprednisolone 1000 mg.
        "aliases": [
            "mp",
            "mps",
            "ivmp",
            "methylpred",
            "methylprednisolone sodium succinate",
            "methylprednisolone acetate",
            "medrol",
            "solu-medrol",
            "solumedrol",
            "solu medrol",
            "depo-medrol",
            "depomedrol",
            "depo medrol",
            "a-methapred",
            "urbason",
        ],
        "rxcui": "6902",
        "pe_factor": 1.25,
    },
    "dexamethasone": {
        "classes": ["glucocorticoid", "systemic-glucocorticoid"],
        "aliases": [
            "dex",
            "dexamethasone sodium phosphate",
            "dexamethasone phosphate",
            "decadron",
            "hemady",
        ],
        "rxcui": "3264",
        "pe_factor": 20 / 3,  # 0.75 mg = 5 mg prednisone
    },
    "hydrocortisone": {
        "classes": ["glucocorticoid", "systemic-glucocorticoid"],
        "aliases": [
            "hc",
            "cortisol",
            "hydrocortisone sodium succinate",
            "cortef",
            "solu-cortef",
            "solucortef",
            "a-hydrocort",
        ],
        "rxcui": "5492",
        "pe_factor": 0.25,
    },
    "betamethasone": {
        "classes": ["glucocorticoid", "systemic-glucocorticoid"],
        "aliases": [
            "betamethasone sodium phosphate",
            "betamethasone acetate",
            "celestone",
            "celestone soluspan",
        ],
        # Sources disagree: the older Meikle & Tyler table gives 0.6 mg = 5 mg prednisone
        # (factor 25/3); the spec chose 0.75 mg (factor 20/3), as for dexamethasone.
        "pe_factor": 20 / 3,
    },
    "triamcinolone": {
        "classes": ["glucocorticoid", "systemic-glucocorticoid"],
        "aliases": [
            "ta",
            "triamcinolone acetonide",
            "triamcinolone hexacetonide",
            "kenalog",
            "kenalog-40",
        ],
        "rxcui": "10759",
        "pe_factor": 1.25,
    },
    "cortisone": {
        "classes": ["glucocorticoid", "systemic-glucocorticoid"],
        "aliases": ["cortisone acetate"],
        "pe_factor": 0.2,
    },
    "deflazacort": {
        "classes": ["glucocorticoid", "systemic-glucocorticoid"],
        "aliases": ["dfz", "emflaza", "calcort"],
        "pe_factor": 5 / 6,  # conventional 6 mg = 5 mg prednisone (ratio itself unverified)
    },
    # Glucocorticoids that are NOT counted as systemic: budesonide has high first-pass metabolism
    # and no accepted prednisone equivalence; fludrocortisone is given for its mineralocorticoid
    # effect. Neither has a pe_factor.
    "budesonide": {
        "classes": ["glucocorticoid"],
        "aliases": [
            "bud",
            "entocort",
            "entocort ec",
            "uceris",
            "tarpeyo",
            "kinpeygo",
            "pulmicort",
            "pulmicort respules",
            "pulmicort flexhaler",
        ],
        "rxcui": "19831",
    },
    "fludrocortisone": {
        "classes": ["glucocorticoid"],
        "aliases": ["fludrocortisone acetate", "florinef"],
    },
    # ------------------------------------------------------------------
    # PCP (Pneumocystis) prophylaxis
    # ------------------------------------------------------------------
    "sulfamethoxazole-trimethoprim": {
        "classes": ["pcp-prophylaxis"],
        # Plain "tmp" (trimethoprim alone) and "smx" are not aliases: neither is PCP prophylaxis.
        "aliases": [
            "tmp-smx",
            "smx-tmp",
            "tmp/smx",
            "smx/tmp",
            "tmp-smz",
            "smz-tmp",
            "co-trimoxazole",
            "cotrimoxazole",
            "cotrim",
            "sulfamethoxazole/trimethoprim",
            "sulfamethoxazole and trimethoprim",
            "trimethoprim-sulfamethoxazole",
            "trimethoprim/sulfamethoxazole",
            "bactrim",
            "bactrim ds",
            "septra",
            "septra ds",
            "septrin",
        ],
        "rxcui": "10831",  # multi-ingredient concept
    },
    "dapsone": {
        "classes": ["pcp-prophylaxis"],
        # "aczone" is deliberately NOT an alias: it is topical dapsone gel and must never count
        # as PCP prophylaxis.
        "aliases": ["dds", "diaminodiphenyl sulfone"],
        "rxcui": "3108",
    },
    "atovaquone": {
        "classes": ["pcp-prophylaxis"],
        # Not atovaquone-proguanil (Malarone): a different product, not a PCP regimen.
        "aliases": ["mepron", "wellvone"],
    },
    "pentamidine": {
        "classes": ["pcp-prophylaxis"],
        "aliases": [
            "pentamidine isethionate",
            "pentam",
            "pentam 300",
            "nebupent",
            "pentacarinat",
        ],
    },
    # ------------------------------------------------------------------
    # Co-medications (no rule class): known so that an ordinary regimen is not noisy (OL002).
    # No RxCUIs: section 6 does not give them, and codes are not guessed.
    # ------------------------------------------------------------------
    # Uroprotection and antiemetics
    "mesna": {"classes": [], "aliases": ["mesnex", "uromitexan"]},
    "ondansetron": {"classes": [], "aliases": ["zofran"]},
    "granisetron": {"classes": [], "aliases": ["kytril", "sancuso", "sustol"]},
    "palonosetron": {"classes": [], "aliases": ["aloxi"]},
    "metoclopramide": {"classes": [], "aliases": ["reglan", "maxolon"]},
    "prochlorperazine": {"classes": [], "aliases": ["compazine", "compro", "stemetil"]},
    "aprepitant": {"classes": [], "aliases": ["emend"]},
    "fosaprepitant": {"classes": [], "aliases": ["emend iv", "fosaprepitant dimeglumine"]},
    # Acid suppression (GI involvement of SSc)
    "omeprazole": {"classes": [], "aliases": ["prilosec", "losec"]},
    "esomeprazole": {"classes": [], "aliases": ["nexium"]},
    "lansoprazole": {"classes": [], "aliases": ["prevacid"]},
    "dexlansoprazole": {"classes": [], "aliases": ["dexilant"]},
    "pantoprazole": {"classes": [], "aliases": ["protonix"]},
    "rabeprazole": {"classes": [], "aliases": ["aciphex", "pariet"]},
    "famotidine": {"classes": [], "aliases": ["pepcid"]},
    # Calcium-channel blockers (Raynaud's)
    "nifedipine": {
        "classes": [],
        "aliases": ["procardia", "procardia xl", "adalat", "adalat cc"],
    },
    "amlodipine": {"classes": [], "aliases": ["norvasc"]},
    "diltiazem": {"classes": [], "aliases": ["cardizem", "tiazac"]},
    "felodipine": {"classes": [], "aliases": ["plendil"]},
    # ACE inhibitors (renal crisis) and ARBs
    "captopril": {"classes": [], "aliases": ["capoten"]},
    "enalapril": {"classes": [], "aliases": ["vasotec", "enalapril maleate"]},
    "lisinopril": {"classes": [], "aliases": ["prinivil", "zestril"]},
    "ramipril": {"classes": [], "aliases": ["altace"]},
    "perindopril": {"classes": [], "aliases": ["aceon", "coversyl"]},
    "losartan": {"classes": [], "aliases": ["cozaar", "losartan potassium"]},
    "valsartan": {"classes": [], "aliases": ["diovan"]},
    "irbesartan": {"classes": [], "aliases": ["avapro"]},
    "candesartan": {"classes": [], "aliases": ["atacand"]},
    "telmisartan": {"classes": [], "aliases": ["micardis"]},
    # Pulmonary arterial hypertension and digital ulcers
    "sildenafil": {"classes": [], "aliases": ["revatio", "viagra"]},
    "tadalafil": {"classes": [], "aliases": ["adcirca", "alyq", "tadliq", "cialis"]},
    "bosentan": {"classes": [], "aliases": ["tracleer"]},
    "ambrisentan": {"classes": [], "aliases": ["letairis", "volibris"]},
    "macitentan": {"classes": [], "aliases": ["opsumit"]},
    "riociguat": {"classes": [], "aliases": ["adempas"]},
    "epoprostenol": {"classes": [], "aliases": ["flolan", "veletri"]},
    "iloprost": {"classes": [], "aliases": ["ventavis", "ilomedin"]},
    "treprostinil": {"classes": [], "aliases": ["remodulin", "tyvaso", "orenitram"]},
    "selexipag": {"classes": [], "aliases": ["uptravi"]},
    # Other rheumatology
    "hydroxychloroquine": {
        "classes": [],
        "aliases": ["hcq", "plaquenil", "hydroxychloroquine sulfate"],
    },
    # Calcium and vitamin D. "vitamin d" means the usual supplement (cholecalciferol), not the
    # active hormone calcitriol.
    "calcium carbonate": {"classes": [], "aliases": ["tums", "os-cal", "caltrate"]},
    "calcium citrate": {"classes": [], "aliases": ["citracal"]},
    "cholecalciferol": {
        "classes": [],
        "aliases": ["vitamin d", "vitamin d3", "colecalciferol"],
    },
    "ergocalciferol": {"classes": [], "aliases": ["vitamin d2", "drisdol"]},
    "calcitriol": {"classes": [], "aliases": ["rocaltrol"]},
    # Folate
    "folic acid": {"classes": [], "aliases": ["folate", "folvite"]},
    "folinic acid": {
        "classes": [],
        "aliases": ["leucovorin", "leucovorin calcium", "calcium folinate"],
    },
    # Analgesics
    "acetaminophen": {
        "classes": [],
        "aliases": ["paracetamol", "apap", "tylenol", "panadol"],
    },
    "ibuprofen": {"classes": [], "aliases": ["advil", "motrin", "nurofen"]},
    "naproxen": {"classes": [], "aliases": ["naproxen sodium", "aleve", "naprosyn"]},
    "celecoxib": {"classes": [], "aliases": ["celebrex"]},
    "tramadol": {"classes": [], "aliases": ["ultram"]},
    "codeine": {"classes": [], "aliases": ["codeine phosphate"]},
    "oxycodone": {"classes": [], "aliases": ["oxycontin", "roxicodone"]},
    "morphine": {"classes": [], "aliases": ["morphine sulfate", "ms contin"]},
    "gabapentin": {"classes": [], "aliases": ["neurontin"]},
    "pregabalin": {"classes": [], "aliases": ["lyrica"]},
    # Bone protection (glucocorticoid users)
    "alendronate": {
        "classes": [],
        "aliases": ["alendronic acid", "alendronate sodium", "fosamax"],
    },
    "risedronate": {"classes": [], "aliases": ["risedronate sodium", "actonel", "atelvia"]},
    "zoledronic acid": {"classes": [], "aliases": ["zoledronate", "reclast", "zometa", "aclasta"]},
    "denosumab": {"classes": [], "aliases": ["prolia", "xgeva"]},
    # Cardiovascular, metabolic, endocrine
    "aspirin": {"classes": [], "aliases": ["asa", "acetylsalicylic acid"]},
    "atorvastatin": {"classes": [], "aliases": ["lipitor"]},
    "rosuvastatin": {"classes": [], "aliases": ["crestor"]},
    "simvastatin": {"classes": [], "aliases": ["zocor"]},
    "metformin": {"classes": [], "aliases": ["glucophage"]},
    "levothyroxine": {
        "classes": [],
        "aliases": [
            "levothyroxine sodium",
            "l-thyroxine",
            "thyroxine",
            "synthroid",
            "levoxyl",
            "eltroxin",
        ],
    },
    "furosemide": {"classes": [], "aliases": ["frusemide", "lasix"]},
    "spironolactone": {"classes": [], "aliases": ["aldactone"]},
    "potassium chloride": {"classes": [], "aliases": ["kcl", "klor-con", "k-dur"]},
    # Bowel and motility (GI involvement of SSc)
    "docusate": {"classes": [], "aliases": ["docusate sodium", "colace"]},
    "senna": {"classes": [], "aliases": ["sennosides", "senokot"]},
    "polyethylene glycol": {
        "classes": [],
        "aliases": ["polyethylene glycol 3350", "peg 3350", "macrogol", "miralax"],
    },
    "loperamide": {"classes": [], "aliases": ["imodium"]},
    "domperidone": {"classes": [], "aliases": ["motilium"]},
    "erythromycin": {
        "classes": [],
        "aliases": [
            "erythromycin ethylsuccinate",
            "erythromycin stearate",
            "ery-tab",
            "erythrocin",
        ],
    },
    "rifaximin": {"classes": [], "aliases": ["xifaxan"]},
    # Mood
    "fluoxetine": {"classes": [], "aliases": ["prozac"]},
    "sertraline": {"classes": [], "aliases": ["zoloft"]},
    "citalopram": {"classes": [], "aliases": ["celexa"]},
    # Anti-infective prophylaxis other than PCP (toxoplasma partner drugs, herpes, HBV, TB, fungal)
    "pyrimethamine": {"classes": [], "aliases": ["daraprim"]},
    "valacyclovir": {"classes": [], "aliases": ["valaciclovir", "valtrex"]},
    "acyclovir": {"classes": [], "aliases": ["aciclovir", "zovirax"]},
    "entecavir": {"classes": [], "aliases": ["baraclude"]},
    # HBV prophylaxis: both prodrugs are grouped under one name here.
    "tenofovir": {
        "classes": [],
        "aliases": [
            "tenofovir disoproxil",
            "tenofovir disoproxil fumarate",
            "tdf",
            "viread",
            "tenofovir alafenamide",
            "taf",
            "vemlidy",
        ],
    },
    "lamivudine": {"classes": [], "aliases": ["epivir", "epivir-hbv", "3tc"]},
    "isoniazid": {"classes": [], "aliases": ["inh"]},
    "pyridoxine": {"classes": [], "aliases": ["vitamin b6"]},
    "nystatin": {"classes": [], "aliases": ["mycostatin"]},
    "fluconazole": {"classes": [], "aliases": ["diflucan"]},
}
