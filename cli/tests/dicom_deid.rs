//! `carewire dicom deid`: end to end through the binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use carewire_dicom_lite::{DataSet, Encoder, Tag, TransferSyntax, Vr};

type R<T = ()> = Result<T, Box<dyn std::error::Error>>;

const STUDY_UID: &str = "1.2.826.0.1.3680043.8.498.8800001";
const PHI: &[&str] = &[
    "Doe^Jonathan",
    "MRN-55501",
    "ACC-77123",
    "20240229",
    "Dr^Who",
];

fn tmp(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("dicom_deid");
    let _ = std::fs::create_dir_all(&dir);
    dir.join(name)
}

fn file(sop: &str, ts: TransferSyntax) -> R<Vec<u8>> {
    let mut enc = Encoder::part10([0; 128], ts, "1.2.840.10008.5.1.4.1.1.2", sop)?;
    enc.element(Tag::new(0x0008, 0x0018), Vr::Ui, sop.as_bytes())?;
    enc.element(Tag::new(0x0008, 0x0020), Vr::Da, b"20240229")?;
    enc.element(Tag::new(0x0008, 0x0050), Vr::Sh, b"ACC-77123")?;
    enc.element(Tag::new(0x0008, 0x0060), Vr::Cs, b"MR")?;
    enc.element(Tag::new(0x0008, 0x0090), Vr::Pn, b"Dr^Who")?;
    enc.element(Tag::new(0x0010, 0x0010), Vr::Pn, b"Doe^Jonathan")?;
    enc.element(Tag::new(0x0010, 0x0020), Vr::Lo, b"MRN-55501")?;
    enc.element(Tag::new(0x0020, 0x000D), Vr::Ui, STUDY_UID.as_bytes())?;
    Ok(enc.finish()?)
}

fn carewire(args: &[&str], env_key: Option<&str>) -> R<Output> {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_carewire"));
    cmd.args(args).env_remove("CAREWIRE_DEID_KEY");
    if let Some(k) = env_key {
        cmd.env("CAREWIRE_DEID_KEY", k);
    }
    Ok(cmd.output()?)
}

fn study_uid(bytes: &[u8]) -> R<String> {
    let ds = DataSet::parse(bytes)?;
    Ok(ds
        .get(Tag::new(0x0020, 0x000D))
        .map(|e| e.uid().to_owned())
        .ok_or("no study uid")?)
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

fn run_deid(
    name: &str,
    input: &[u8],
    extra: &[&str],
    env_key: Option<&str>,
) -> R<(Output, Vec<u8>)> {
    let (inp, out) = (
        tmp(&format!("{name}.in.dcm")),
        tmp(&format!("{name}.out.dcm")),
    );
    std::fs::write(&inp, input)?;
    let (i, o) = (inp.to_str().ok_or("path")?, out.to_str().ok_or("path")?);
    let mut args = vec!["dicom", "deid", i, "-o", o];
    args.extend_from_slice(extra);
    let output = carewire(&args, env_key)?;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    Ok((output, std::fs::read(&out)?))
}

#[test]
fn deid_removes_the_phi_and_writes_a_valid_file() -> R {
    let input = file(
        "1.2.826.0.1.3680043.8.498.8800101",
        TransferSyntax::ExplicitVrLittleEndian,
    )?;
    let (output, out) = run_deid("basic", &input, &["--key", "k1"], None)?;
    for phi in PHI.iter().chain([&STUDY_UID]) {
        assert!(!contains(&out, phi), "{phi} survived");
    }
    let ds = DataSet::parse(&out)?;
    assert!(ds.diagnostics().is_empty());
    assert_eq!(ds.get_str(Tag::new(0x0012, 0x0062)).as_deref(), Some("YES"));
    assert_eq!(ds.get_str(Tag::new(0x0008, 0x0060)).as_deref(), Some("MR"));
    let stdout = String::from_utf8(output.stdout)?;
    assert!(stdout.contains("uids remapped 2"), "{stdout}");
    // Neither output stream shows a value.
    for phi in PHI {
        assert!(!stdout.contains(phi));
        assert!(!String::from_utf8_lossy(&output.stderr).contains(phi));
    }
    Ok(())
}

#[test]
fn the_same_key_links_files_and_the_flag_wins_over_the_environment() -> R {
    let a = file(
        "1.2.826.0.1.3680043.8.498.8800201",
        TransferSyntax::ExplicitVrLittleEndian,
    )?;
    let b = file(
        "1.2.826.0.1.3680043.8.498.8800202",
        TransferSyntax::ImplicitVrLittleEndian,
    )?;
    let (_, out_a) = run_deid("env_a", &a, &[], Some("project-x"))?;
    let (_, out_b) = run_deid("env_b", &b, &[], Some("project-x"))?;
    assert_eq!(study_uid(&out_a)?, study_uid(&out_b)?);
    assert!(study_uid(&out_a)?.starts_with("2.25."));
    // --key "project-x" is the same key as the environment's.
    let (_, flag) = run_deid("flag", &a, &["--key", "project-x"], Some("other"))?;
    assert_eq!(study_uid(&flag)?, study_uid(&out_a)?);
    let (_, other) = run_deid("other", &a, &[], Some("project-y"))?;
    assert_ne!(study_uid(&other)?, study_uid(&out_a)?);
    Ok(())
}

#[test]
fn without_a_key_each_run_draws_a_random_one() -> R {
    let a = file(
        "1.2.826.0.1.3680043.8.498.8800301",
        TransferSyntax::ExplicitVrLittleEndian,
    )?;
    let (o1, out1) = run_deid("rand1", &a, &[], None)?;
    let (_, out2) = run_deid("rand2", &a, &[], None)?;
    assert_ne!(study_uid(&out1)?, study_uid(&out2)?);
    assert!(String::from_utf8_lossy(&o1.stderr).contains("random key"));
    Ok(())
}

#[test]
fn keep_uids_and_keep_dates() -> R {
    let a = file(
        "1.2.826.0.1.3680043.8.498.8800401",
        TransferSyntax::ExplicitVrBigEndian,
    )?;
    let (_, out) = run_deid(
        "keep",
        &a,
        &["--keep-uids", "--keep-dates", "--key", "k"],
        None,
    )?;
    let ds = DataSet::parse(&out)?;
    assert_eq!(ds.transfer_syntax(), TransferSyntax::ExplicitVrBigEndian);
    assert_eq!(study_uid(&out)?, STUDY_UID);
    assert_eq!(
        ds.get_str(Tag::new(0x0008, 0x0020)).as_deref(),
        Some("20240229")
    );
    assert!(!contains(&out, "Doe^Jonathan") && !contains(&out, "MRN-55501"));
    let codes: Vec<String> = ds
        .get(Tag::new(0x0012, 0x0064))
        .ok_or("codes")?
        .items()
        .filter_map(|i| {
            i.get(Tag::new(0x0008, 0x0100))
                .map(|e| e.to_str().into_owned())
        })
        .collect();
    assert_eq!(codes, ["113100", "113106", "113110"]);
    Ok(())
}

#[test]
fn output_to_stdout_and_errors_name_the_file() -> R {
    let a = file(
        "1.2.826.0.1.3680043.8.498.8800501",
        TransferSyntax::ExplicitVrLittleEndian,
    )?;
    let inp = tmp("stdout.in.dcm");
    std::fs::write(&inp, &a)?;
    let out = carewire(
        &[
            "dicom",
            "deid",
            inp.to_str().ok_or("path")?,
            "-o",
            "-",
            "--key",
            "k",
        ],
        None,
    )?;
    assert!(out.status.success());
    assert!(!contains(&out.stdout, "Doe^Jonathan"));
    assert_eq!(
        DataSet::parse(&out.stdout)?
            .get_str(Tag::new(0x0012, 0x0062))
            .as_deref(),
        Some("YES")
    );

    let bad = tmp("bad.dcm");
    // A value length running past the end of the input.
    std::fs::write(
        &bad,
        [0x10, 0x00, 0x10, 0x00, b'P', b'N', 0x40, 0x00, b'D', b'o'],
    )?;
    let out = carewire(
        &[
            "dicom",
            "deid",
            bad.to_str().ok_or("path")?,
            "-o",
            tmp("bad.out").to_str().ok_or("path")?,
            "--key",
            "k",
        ],
        None,
    )?;
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bad.dcm"));
    let empty_key = carewire(
        &[
            "dicom",
            "deid",
            inp.to_str().ok_or("path")?,
            "-o",
            "-",
            "--key",
            "",
        ],
        None,
    )?;
    assert_eq!(empty_key.status.code(), Some(2));
    Ok(())
}
