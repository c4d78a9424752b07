// The one table of X12 numeric text and how carewire-x12 takes it. Included (with
// `include!`) by `tests/numbers_agree.rs` (validator, `Decimal` parser and 835 model
// through the public API) and by the unit test in `src/validate/element.rs` (the
// element check, `Nn` implied decimals and SNIP 3 balancing), so all readers are held
// to the same rows.
//
// X12.6: `R` is an optional minus, digits, at most one decimal point; `Nn` is an
// optional minus and digits with n implied decimals. No plus sign, no exponent, no
// spaces; leading and trailing zeros are allowed; length counts digits only.
//
// Columns: text; the `R` value as `Decimal` shows it (None: not readable); the
// validator's verdict on it as an `R` 1/18 element; the `N2` value (None: not
// readable); the verdict as an `N2` 1/18 element. Verdicts: "ok", "char" (IK403 6,
// invalid character), "long" (IK403 5, too long).

/// (text, R value, R 1/18 verdict, N2 value, N2 1/18 verdict)
type NumberRow = (
    &'static str,
    Option<&'static str>,
    &'static str,
    Option<&'static str>,
    &'static str,
);

/// Every row, valid and invalid.
const NUMBERS: &[NumberRow] = &[
    ("0", Some("0"), "ok", Some("0.00"), "ok"),
    ("150", Some("150"), "ok", Some("1.50"), "ok"),
    ("-1050", Some("-1050"), "ok", Some("-10.50"), "ok"),
    ("007", Some("7"), "ok", Some("0.07"), "ok"),
    ("-0", Some("0"), "ok", Some("0.00"), "ok"),
    ("150.25", Some("150.25"), "ok", None, "char"),
    ("100.00", Some("100.00"), "ok", None, "char"),
    ("-10.5", Some("-10.5"), "ok", None, "char"),
    (".8", Some("0.8"), "ok", None, "char"),
    ("-.05", Some("-0.05"), "ok", None, "char"),
    ("5.", Some("5"), "ok", None, "char"),
    ("000.000", Some("0.000"), "ok", None, "char"),
    // More than nine decimals: SNIP 3 balancing used to skip these silently.
    ("0.0000000001", Some("0.0000000001"), "ok", None, "char"),
    // 18 digits: the most an R 1/18 holds.
    ("123456789012345678", Some("123456789012345678"), "ok", Some("1234567890123456.78"), "ok"),
    ("-1234567890123456.78", Some("-1234567890123456.78"), "ok", None, "char"),
    // 19 digits: readable, but longer than the element allows.
    ("1234567890123456789", Some("1234567890123456789"), "long", Some("12345678901234567.89"), "long"),
    // Past the i64 mantissa or 18 fraction digits: not readable, and too long.
    ("9999999999999999999", None, "long", None, "long"),
    ("0.0000000000000000001", None, "long", None, "char"),
    // Not numbers at all.
    (".", None, "char", None, "char"),
    ("-", None, "char", None, "char"),
    ("-.", None, "char", None, "char"),
    ("..", None, "char", None, "char"),
    ("+7", None, "char", None, "char"),
    ("+", None, "char", None, "char"),
    ("--1", None, "char", None, "char"),
    ("1-", None, "char", None, "char"),
    ("1.2.3", None, "char", None, "char"),
    ("1e3", None, "char", None, "char"),
    ("1E3", None, "char", None, "char"),
    ("1,5", None, "char", None, "char"),
    (" 1", None, "char", None, "char"),
    ("1 ", None, "char", None, "char"),
    ("0x10", None, "char", None, "char"),
    ("1\u{660}", None, "char", None, "char"),
];
