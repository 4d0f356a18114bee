"""The resource types of FHIR R4 (4.0.1), in a module of its own so that telling a Bulk Data export
folder by its file names (``bulk.is_bulk_folder``) imports nothing else."""

import re

#: A FHIR R4 `id`: 1-64 letters, digits, '-' or '.' (use with fullmatch).
FHIR_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")

#: Resource types of FHIR R4 (4.0.1): a top-level resource of another type (DSTU2
#: MedicationOrder, STU3 ProcedureRequest) is not R4 input (OL001).
R4_TYPES = frozenset("""
Account ActivityDefinition AdverseEvent AllergyIntolerance Appointment AppointmentResponse AuditEvent
Basic Binary BiologicallyDerivedProduct BodyStructure Bundle CapabilityStatement CarePlan CareTeam
CatalogEntry ChargeItem ChargeItemDefinition Claim ClaimResponse ClinicalImpression CodeSystem
Communication CommunicationRequest CompartmentDefinition Composition ConceptMap Condition Consent
Contract Coverage CoverageEligibilityRequest CoverageEligibilityResponse DetectedIssue Device
DeviceDefinition DeviceMetric DeviceRequest DeviceUseStatement DiagnosticReport DocumentManifest
DocumentReference EffectEvidenceSynthesis Encounter Endpoint EnrollmentRequest EnrollmentResponse
EpisodeOfCare EventDefinition Evidence EvidenceVariable ExampleScenario ExplanationOfBenefit
FamilyMemberHistory Flag Goal GraphDefinition Group GuidanceResponse HealthcareService ImagingStudy
Immunization ImmunizationEvaluation ImmunizationRecommendation ImplementationGuide InsurancePlan
Invoice Library Linkage List Location Measure MeasureReport Media Medication MedicationAdministration
MedicationDispense MedicationKnowledge MedicationRequest MedicationStatement MedicinalProduct
MedicinalProductAuthorization MedicinalProductContraindication MedicinalProductIndication
MedicinalProductIngredient MedicinalProductInteraction MedicinalProductManufactured
MedicinalProductPackaged MedicinalProductPharmaceutical MedicinalProductUndesirableEffect
MessageDefinition MessageHeader MolecularSequence NamingSystem NutritionOrder Observation
ObservationDefinition OperationDefinition OperationOutcome Organization OrganizationAffiliation
Parameters Patient PaymentNotice PaymentReconciliation Person PlanDefinition Practitioner
PractitionerRole Procedure Provenance Questionnaire QuestionnaireResponse RelatedPerson RequestGroup
ResearchDefinition ResearchElementDefinition ResearchStudy ResearchSubject RiskAssessment
RiskEvidenceSynthesis Schedule SearchParameter ServiceRequest Slot Specimen SpecimenDefinition
StructureDefinition StructureMap Subscription Substance SubstanceNucleicAcid SubstancePolymer
SubstanceProtein SubstanceReferenceInformation SubstanceSourceMaterial SubstanceSpecification
SupplyDelivery SupplyRequest Task TerminologyCapabilities TestReport TestScript ValueSet
VerificationResult VisionPrescription
""".split())

#: Resource types of other FHIR versions (STU3, R4B, R5) that R4 does not have, as the resource
#: classes of fhir.resources 8.3.0 (its R5 package, R4B and STU3; abstract bases left out) name
#: them. Inside a Bundle such a resource is another version's, skipped (fhir.md section 1); a name
#: in none of these lists, nor an order type of an earlier version (mapping.OLD_REQUEST_TYPES), is
#: no FHIR resource type at all (a wrong case, a typo): OL001.
OTHER_VERSION_TYPES = frozenset("""
ActorDefinition AdministrableProductDefinition ArtifactAssessment BiologicallyDerivedProductDispense
BodySite Citation ClinicalUseDefinition ConditionDefinition DataElement DeviceAssociation
DeviceComponent DeviceDispense DeviceUsage EligibilityRequest EligibilityResponse EncounterHistory
EvidenceReport ExpansionProfile FormularyItem GenomicStudy ImagingManifest ImagingSelection
Ingredient InventoryItem InventoryReport ManufacturedItemDefinition MedicinalProductDefinition
NutritionIntake NutritionProduct PackagedProductDefinition Permission ProcedureRequest
ProcessRequest ProcessResponse ReferralRequest RegulatedAuthorization RequestOrchestration
Requirements Sequence ServiceDefinition SubscriptionStatus SubscriptionTopic SubstanceDefinition
TestPlan Transport
""".split())

__all__ = ["ORDER_CARRIERS", "OTHER_VERSION_TYPES", "R4_TYPES"]


#: Where a CDS Hooks request's context carries the orders being signed or selected, in the order read.
ORDER_CARRIERS = ("draftOrders", "medications", "orders", "order")
