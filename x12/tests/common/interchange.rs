// One interchange (ISA … IEA, one group, one set) around a list of segments, shared by
// the validator tests (`#[path]`-included).

/// The interchange header every test set uses.
const ISA: &str = "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       \
*240101*1200*^*00501*000000001*0*T*:~";

/// An interchange holding one `gs01` group with one `st01` set of guide `version`
/// around `body` (SE01 counted).
pub fn set(gs01: &str, st01: &str, version: &str, body: &[&str]) -> Vec<u8> {
    let mut s = String::from(ISA);
    s.push_str(&format!("GS*{gs01}*S*R*20240101*1200*1*X*{version}~"));
    s.push_str(&format!("ST*{st01}*0001*{version}~"));
    for seg in body {
        s.push_str(seg);
        s.push('~');
    }
    s.push_str(&format!(
        "SE*{}*0001~GE*1*1~IEA*1*000000001~",
        body.len() + 2
    ));
    s.into_bytes()
}
