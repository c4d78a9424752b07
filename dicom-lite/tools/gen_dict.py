#!/usr/bin/env python3
"""Generate dicom-lite/src/dict_data.rs: a minimal DICOM data dictionary.

Source of facts: pydicom 2.4.4 (PyPI), module `pydicom._dicom_dict`, which pydicom
generates from DICOM PS3.6 / PS3.7. Only the facts (tag, VR, VM, keyword, name,
retired flag) are emitted; no pydicom code is copied.

    pip install --target /tmp/pyd pydicom==2.4.4
    PYTHONPATH=/tmp/pyd python3 dicom-lite/tools/gen_dict.py > dicom-lite/src/dict_data.rs

Selection (the hospital flows; the full PS3.6 dictionary is a later step):
every tag (retired included, so old implicit-VR files decode) in groups
0002 (file meta), 0004 (DICOMDIR), 0008 (identification, dates, UIDs, modality,
accession, character set), 0010 (patient), 0020 (study/series/instance relationship),
0028 (image pixel description), 0032 (study), 0038 (visit), 0088 (storage), 7FE0
(pixel data), plus a curated list of keywords from other groups.
"""
import sys
import pydicom
from pydicom._dicom_dict import DicomDictionary

GROUPS = {0x0002, 0x0004, 0x0008, 0x0010, 0x0020, 0x0028, 0x0032, 0x0038, 0x0088, 0x7FE0}
EXTRA = {
    # 0018 acquisition
    "ContrastBolusAgent", "BodyPartExamined", "ScanningSequence", "SequenceVariant",
    "ScanOptions", "MRAcquisitionType", "SliceThickness", "KVP", "RepetitionTime",
    "EchoTime", "InversionTime", "NumberOfAverages", "ImagingFrequency", "EchoNumbers",
    "MagneticFieldStrength", "SpacingBetweenSlices", "EchoTrainLength", "DeviceSerialNumber",
    "SoftwareVersions", "ProtocolName", "DateOfLastCalibration", "TimeOfLastCalibration",
    "ContrastBolusRoute", "DistanceSourceToDetector", "DistanceSourceToPatient",
    "GantryDetectorTilt", "TableHeight", "RotationDirection", "ExposureTime",
    "XRayTubeCurrent", "Exposure", "FilterType", "GeneratorPower", "FocalSpots",
    "ConvolutionKernel", "PatientPosition", "ViewPosition", "AcquisitionDuration",
    "DataCollectionDiameter", "ReconstructionDiameter", "ReceiveCoilName",
    "TransmitCoilName", "FlipAngle", "ImagerPixelSpacing", "DetectorType",
    "FrameTime", "CineRate", "AcquisitionContextSequence", "PositionerPrimaryAngle",
    "PositionerSecondaryAngle", "SpiralPitchFactor", "CTDIvol", "PlateID", "CassetteID",
    "RadiopharmaceuticalInformationSequence", "Radiopharmaceutical",
    "RadiopharmaceuticalStartTime", "RadionuclideTotalDose", "RadionuclideHalfLife",
    "AcquisitionDeviceProcessingDescription", "EstimatedRadiographicMagnificationFactor",
    # 0040 workflow
    "ScheduledStationAETitle", "ScheduledProcedureStepStartDate",
    "ScheduledProcedureStepStartTime", "ScheduledPerformingPhysicianName",
    "ScheduledProcedureStepDescription", "ScheduledProtocolCodeSequence",
    "ScheduledProcedureStepID", "ScheduledStationName", "ScheduledProcedureStepLocation",
    "PreMedication", "ScheduledProcedureStepStatus", "ScheduledProcedureStepSequence",
    "ReferencedNonImageCompositeSOPInstanceSequence", "PerformedStationAETitle",
    "PerformedStationName", "PerformedLocation", "PerformedProcedureStepStartDate",
    "PerformedProcedureStepStartTime", "PerformedProcedureStepEndDate",
    "PerformedProcedureStepEndTime", "PerformedProcedureStepStatus",
    "PerformedProcedureStepID", "PerformedProcedureStepDescription",
    "PerformedProcedureTypeDescription", "PerformedProtocolCodeSequence",
    "ScheduledStepAttributesSequence", "RequestAttributesSequence",
    "RequestedProcedureID", "ReasonForTheRequestedProcedure", "RequestedProcedurePriority",
    "PatientTransportArrangements", "RequestedProcedureLocation",
    "ConfidentialityCode", "ReportingPriority", "NamesOfIntendedRecipientsOfResults",
    "IssueDateOfImagingServiceRequest", "IssueTimeOfImagingServiceRequest",
    "OrderEnteredBy", "OrderEntererLocation", "OrderCallbackPhoneNumber",
    "PlacerOrderNumberImagingServiceRequest", "FillerOrderNumberImagingServiceRequest",
    "ImagingServiceRequestComments", "ValueType", "ConceptNameCodeSequence",
    "ContinuityOfContent", "RelationshipType", "ContentSequence", "TextValue",
    "DateTime", "Date", "Time", "PersonName", "UID", "MeasuredValueSequence",
    "NumericValue", "MeasurementUnitsCodeSequence", "ConceptCodeSequence",
    "ReferencedContentItemIdentifier", "ContentTemplateSequence", "TemplateIdentifier",
    "MappingResource", "CompletionFlag", "VerificationFlag", "ObservationDateTime",
    "VerifyingObserverSequence", "VerifyingObserverName", "VerificationDateTime",
    "PredecessorDocumentsSequence", "CurrentRequestedProcedureEvidenceSequence",
    "PertinentOtherEvidenceSequence", "RealWorldValueMappingSequence",
    "PixelDataProviderURL", "ProcedureCodeSequence",
    # code sequence macro lives in 0008 already; 0054 nuclear medicine
    "EnergyWindowInformationSequence", "NumberOfEnergyWindows", "DetectorInformationSequence",
    "NumberOfDetectors", "NumberOfSlices", "SeriesType", "Units", "CountsSource",
    "DecayCorrection", "CorrectedImage", "FrameReferenceTime", "ActualFrameDuration",
    "DoseCalibrationFactor", "DecayFactor", "PatientOrientationCodeSequence",
    "PatientGantryRelationshipCodeSequence",
    # 0019..: none (private). 0050/0070/3006 bits used by reports and presentation states
    "ContentLabel", "ContentDescription", "ContentCreatorName",
    "PresentationCreationDate", "PresentationCreationTime",
    # waveforms (5400) and overlays are repeating; only the waveform sequence and data
    "WaveformSequence", "NumberOfWaveformChannels", "NumberOfWaveformSamples",
    "SamplingFrequency", "WaveformBitsAllocated", "WaveformSampleInterpretation",
    "WaveformData", "ChannelDefinitionSequence",
}

VR_NAMES = {"AE","AS","AT","CS","DA","DS","DT","FD","FL","IS","LO","LT","OB","OD","OF","OL",
            "OV","OW","PN","SH","SL","SQ","SS","ST","SV","TM","UC","UI","UL","UN","UR","US",
            "UT","UV"}

def rust_vr(vr):
    # "US or SS", "US or SS or OW": the first is used for implicit-VR
    # decoding (PS3.5 Annex A: implicit VR files use the dictionary VR; for ambiguous
    # entries readers pick by context — we record the ambiguity).
    first = vr.split(" or ")[0].strip()
    if vr.replace(" ", "") == "OBorOW":
        first = "OW"  # PS3.5 A.1: Pixel Data and similar are OW in implicit VR LE
    if first == "NONE" or first not in VR_NAMES:
        first = "UN"
    return first[0] + first[1].lower(), " or " in vr

def main():
    rows = []
    for tag, (vr, vm, name, retired, keyword) in DicomDictionary.items():
        if not keyword:
            continue
        group = tag >> 16
        if group in GROUPS or keyword in EXTRA:
            rows.append((tag, vr, vm, keyword, name, retired == "Retired"))
    missing = EXTRA - {r[3] for r in rows}
    if missing:
        print("missing keywords: %s" % sorted(missing), file=sys.stderr)
        sys.exit(1)
    rows.sort()
    out = sys.stdout
    out.write("// @generated by dicom-lite/tools/gen_dict.py from pydicom %s\n" % pydicom.__version__)
    out.write("// (pydicom._dicom_dict, itself generated from DICOM PS3.6/PS3.7). Do not edit.\n")
    out.write("// %d entries.\n\n" % len(rows))
    out.write("use crate::dict::DictEntry;\nuse crate::tag::Vr;\n\n")
    out.write("/// Dictionary entries sorted by tag.\n")
    out.write("pub(crate) static ENTRIES: &[DictEntry] = &[\n")
    for tag, vr, vm, kw, name, retired in rows:
        rvr, amb = rust_vr(vr)
        out.write('    DictEntry { tag: 0x%08X, vr: Vr::%s, ambiguous_vr: %s, vm: "%s", keyword: "%s", name: "%s", retired: %s },\n'
                  % (tag, rvr, "true" if amb else "false", vm, kw, name.replace('"', '\\"'), "true" if retired else "false"))
    out.write("];\n\n")
    by_kw = sorted(range(len(rows)), key=lambda i: rows[i][3])
    out.write("/// Indexes into `ENTRIES`, sorted by keyword.\n")
    out.write("pub(crate) static BY_KEYWORD: &[u16] = &[\n")
    for i in range(0, len(by_kw), 16):
        out.write("    " + ", ".join(str(x) for x in by_kw[i:i+16]) + ",\n")
    out.write("];\n")

main()
