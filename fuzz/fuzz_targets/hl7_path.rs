//! Path::parse on any text never panics; what parses displays to text that parses to the
//! same path, and that text is stable.
#![no_main]

use carewire_hl7::Path;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Path::parse(text) {
        Ok(path) => {
            let shown = path.to_string();
            let again = Path::parse(&shown).expect("displayed path parses");
            assert_eq!(again, path);
            assert_eq!(again.to_string(), shown);
            assert!(path.field() >= 1 && path.occurrence() >= 1);
        }
        Err(e) => assert!(e.offset() <= text.len()),
    }
});
