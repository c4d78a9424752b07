//! Streams 837/835/270/271 units from a file and builds each unit's typed model, in
//! memory that does not grow with the file (measure with `/usr/bin/time -v`).
//!
//! `cargo run --release -p carewire-x12 --example units -- write FILE MB` writes a
//! generated 837P file of at least MB mebibytes (interchanges of 100,000 claims);
//! `... --example units -- FILE` streams it and prints claim count and charge total.

use std::io::Write;
use std::time::Instant;

use carewire_x12::{gen, Decimal, UnitKind, UnitReader};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("write") {
        let path = args.get(1).ok_or("write FILE MB")?;
        let mb: u64 = args.get(2).map_or(Ok(1024), |s| s.parse())?;
        let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
        let (mut written, mut k) = (0u64, 0u64);
        while written < mb << 20 {
            let chunk = gen::professional_837(100_000, k);
            out.write_all(&chunk)?;
            written += chunk.len() as u64;
            k += 1;
        }
        out.flush()?;
        println!("wrote {written} bytes in {k} interchanges");
        return Ok(());
    }
    let path = args.first().ok_or("FILE")?;
    let file = std::io::BufReader::with_capacity(64 << 10, std::fs::File::open(path)?);
    let t = Instant::now();
    let (mut claims, mut payments, mut members) = (0u64, 0u64, 0u64);
    let mut charges = Decimal::ZERO;
    let mut reader = UnitReader::new(file);
    for unit in &mut reader {
        let unit = unit?;
        match unit.kind() {
            UnitKind::Claim => {
                let model = unit.claim().ok_or("claim unit without a claim model")?;
                for c in model.claims() {
                    claims += 1;
                    charges = charges.checked_add(c.charge.unwrap_or(Decimal::ZERO))?;
                }
            }
            UnitKind::ClaimPayment => payments += 1,
            UnitKind::Subscriber | UnitKind::Dependent => members += 1,
            _ => {}
        }
    }
    let len = std::fs::metadata(path)?.len();
    let secs = t.elapsed().as_secs_f64();
    println!(
        "{claims} claims (charges {charges}), {payments} claim payments, {members} members; \
         {len} bytes in {secs:.1} s ({:.0} MB/s); segment buffer {} bytes",
        len as f64 / 1e6 / secs,
        reader.segment_reader().buffer_capacity()
    );
    Ok(())
}
