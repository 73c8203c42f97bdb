//! RFC 8785 JSON Canonicalization Scheme (JCS), and equality of JSON values under its number
//! model.
//!
//! JCS is done by [`serde_json_canonicalizer`] 0.4.1 (MIT; maintained: 0.1 in 2023, 0.3.1 in
//! August 2025, 0.4.1 in October 2026, about 20 million downloads; numbers are written by
//! `ryu-js`, the ECMAScript `Number::toString` of the Boa JavaScript engine, Apache-2.0 OR
//! BSL-1.0). It passes every RFC 8785 vector tested below: the number table of appendix B, the
//! section 3.2.2 example (escaping, literals, numbers) and the section 3.2.3 property sorting by
//! UTF-16 code units.
//!
//! The other candidate, `canon-json` 0.2.1 (MIT OR Apache-2.0, containers project), was tested
//! against the same vectors and fails one of appendix B: `0x43143ff3c1cb0959`
//! (1424953923781206.25 exactly) is written `1424953923781206.3`, where ECMAScript (and the RFC)
//! break the tie to the even digit, `1424953923781206.2`. It also writes integers beyond 2^53 with
//! all their digits rather than as the IEEE-754 double JCS prescribes. Its test is kept below (it
//! is a dev-dependency only) so the comparison can be rerun when it is upgraded.
//!
//! Numbers: JCS treats every JSON number as an IEEE-754 double. An integer beyond ±2^53 loses
//! digits (9007199254740993 is written 9007199254740992), so [`super::sign`] refuses a value whose
//! canonical form does not read back equal to it. `serde_json_canonicalizer` also turns on
//! serde_json's `float_roundtrip` feature (for the whole build), so a number parsed back from JSON
//! text is the exact double that was written.

use serde_json::{Number, Value};

use crate::error::{Error, Result};

/// The RFC 8785 canonical JSON text of `value` (UTF-8, no whitespace, members sorted by their
/// UTF-16 code units, numbers in ECMAScript form).
pub fn canonical_json(value: &Value) -> Result<String> {
    // A `Value` holds no NaN or infinity, the only thing the canonicalizer refuses.
    serde_json_canonicalizer::to_string(value).map_err(|e| Error::Internal(format!("JCS serialisation failed: {e}")))
}

/// Where `a` and `b` first differ as JSON values, as a JSON Pointer (RFC 6901, `""` for the
/// root); `None` when they are equal.
///
/// Objects compare as maps (member order does not matter), arrays element by element, strings
/// exactly, and numbers by their mathematical value: `1`, `1.0` and `1e0` are equal, `-0` equals
/// `0`, and the integer 9007199254740993 does not equal the double 9007199254740992.
pub(crate) fn first_difference(a: &Value, b: &Value) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            if let Some(key) = x.keys().find(|k| !y.contains_key(*k)).or_else(|| y.keys().find(|k| !x.contains_key(*k)))
            {
                return Some(pointer_step(key));
            }
            x.iter().find_map(|(key, value)| first_difference(value, &y[key]).map(|rest| pointer_step(key) + &rest))
        }
        (Value::Array(x), Value::Array(y)) => {
            if x.len() != y.len() {
                return Some(String::new());
            }
            x.iter().zip(y).enumerate().find_map(|(i, (p, q))| first_difference(p, q).map(|rest| format!("/{i}{rest}")))
        }
        (Value::Number(x), Value::Number(y)) => (!numbers_equal(x, y)).then(String::new),
        _ => (a != b).then(String::new),
    }
}

fn pointer_step(key: &str) -> String {
    format!("/{}", key.replace('~', "~0").replace('/', "~1"))
}

/// Exact mathematical equality of two JSON numbers (integers as integers, doubles as doubles).
fn numbers_equal(a: &Number, b: &Number) -> bool {
    fn integer(n: &Number) -> Option<i128> {
        n.as_i64().map(i128::from).or_else(|| n.as_u64().map(i128::from))
    }
    fn double_is(f: Option<f64>, i: i128) -> bool {
        // Doubles below 2^127 in magnitude convert to i128 exactly when they are integral.
        f.is_some_and(|f| f.fract() == 0.0 && f.abs() < 1.7e38 && f as i128 == i)
    }
    match (integer(a), integer(b)) {
        (Some(x), Some(y)) => x == y,
        (Some(x), None) => double_is(b.as_f64(), x),
        (None, Some(y)) => double_is(a.as_f64(), y),
        (None, None) => a.as_f64() == b.as_f64(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// RFC 8785 appendix B: IEEE-754 bit patterns and their canonical text.
    const APPENDIX_B: &[(u64, &str)] = &[
        (0x0000000000000000, "0"),
        (0x8000000000000000, "0"),
        (0x0000000000000001, "5e-324"),
        (0x8000000000000001, "-5e-324"),
        (0x7fefffffffffffff, "1.7976931348623157e+308"),
        (0xffefffffffffffff, "-1.7976931348623157e+308"),
        (0x4340000000000000, "9007199254740992"),
        (0xc340000000000000, "-9007199254740992"),
        (0x4430000000000000, "295147905179352830000"),
        (0x44b52d02c7e14af5, "9.999999999999997e+22"),
        (0x44b52d02c7e14af6, "1e+23"),
        (0x44b52d02c7e14af7, "1.0000000000000001e+23"),
        (0x444b1ae4d6e2ef4e, "999999999999999700000"),
        (0x444b1ae4d6e2ef4f, "999999999999999900000"),
        (0x444b1ae4d6e2ef50, "1e+21"),
        (0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7"),
        (0x3eb0c6f7a0b5ed8d, "0.000001"),
        (0x41b3de4355555553, "333333333.3333332"),
        (0x41b3de4355555554, "333333333.33333325"),
        (0x41b3de4355555555, "333333333.3333333"),
        (0x41b3de4355555556, "333333333.3333334"),
        (0x41b3de4355555557, "333333333.33333343"),
        (0xbecbf647612f3696, "-0.0000033333333333333333"),
        (0x43143ff3c1cb0959, "1424953923781206.2"),
    ];

    /// JSON number literals (as a host's JSON would hold them) and their canonical text.
    const LITERALS: &[(&str, &str)] = &[
        ("1e21", "1e+21"),
        ("1E30", "1e+30"),
        ("1e-7", "1e-7"),
        ("0.000001", "0.000001"),
        ("0.0000001", "1e-7"),
        ("333333333.33333329", "333333333.3333333"),
        ("-0", "0"),
        ("-0.0", "0"),
        ("4.50", "4.5"),
        ("2e-3", "0.002"),
        ("0.000000000000000000000000001", "1e-27"),
        ("9007199254740992", "9007199254740992"),
        ("-9007199254740992", "-9007199254740992"),
        ("100", "100"),
        ("1.0", "1"),
        ("0.006302", "0.006302"),
        ("0.9731", "0.9731"),
        ("-1.5e-10", "-1.5e-10"),
        ("123456789012345680000", "123456789012345680000"),
    ];

    /// RFC 8785 section 3.2.3: members sorted by UTF-16 code units (the emoji's surrogates,
    /// 0xD83D, sort before U+FB33 although its code point is higher).
    const SORTING_INPUT: &str = r#"{"\u20ac":"Euro Sign","\r":"Carriage Return","\ufb33":"Hebrew Letter Dalet With Dagesh","1":"One","\ud83d\ude00":"Emoji: Grinning Face","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis"}"#;
    const SORTING_OUTPUT: &str = "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u{80}\":\"Control\",\"\u{f6}\":\"Latin Small Letter O With Diaeresis\",\"\u{20ac}\":\"Euro Sign\",\"\u{1f600}\":\"Emoji: Grinning Face\",\"\u{fb33}\":\"Hebrew Letter Dalet With Dagesh\"}";

    /// RFC 8785 section 3.2.2 example: literals, numbers and string escaping (only `"`, `\` and
    /// controls are escaped, controls without a short form as lower-case `\u00xx`; `/` and
    /// non-ASCII are written as they are).
    const EXAMPLE_INPUT: &str = r#"{"numbers":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001],"string":"\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/","literals":[null,true,false]}"#;
    const EXAMPLE_OUTPUT: &str = "{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],\"string\":\"\u{20ac}$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}";

    /// Every vector, as `(what, input, expected)`.
    fn vectors() -> Vec<(String, Value, String)> {
        let mut all = Vec::new();
        for (bits, expected) in APPENDIX_B {
            all.push((format!("appendix B {bits:016x}"), Value::from(f64::from_bits(*bits)), (*expected).to_owned()));
        }
        for (text, expected) in LITERALS {
            all.push((format!("literal {text}"), serde_json::from_str(text).unwrap(), (*expected).to_owned()));
        }
        all.push(("3.2.3 sorting".into(), serde_json::from_str(SORTING_INPUT).unwrap(), SORTING_OUTPUT.into()));
        all.push(("3.2.2 example".into(), serde_json::from_str(EXAMPLE_INPUT).unwrap(), EXAMPLE_OUTPUT.into()));
        let escapes = json!({"s": "\u{0}\u{8}\t\n\u{c}\r\u{1f}\u{7f}\"\\/é\u{2028}"});
        all.push((
            "escapes".into(),
            escapes,
            "{\"s\":\"\\u0000\\b\\t\\n\\f\\r\\u001f\u{7f}\\\"\\\\/é\u{2028}\"}".into(),
        ));
        let nested = json!({"b": [{"z": 1, "a": [true, null]}], "a": {"c": {}, "b": []}});
        all.push(("nesting".into(), nested, r#"{"a":{"b":[],"c":{}},"b":[{"a":[true,null],"z":1}]}"#.into()));
        all
    }

    #[test]
    fn serde_json_canonicalizer_passes_rfc8785() {
        let failures: Vec<String> = vectors()
            .into_iter()
            .filter_map(|(what, value, expected)| {
                let got = canonical_json(&value).unwrap();
                (got != expected).then(|| format!("{what}: {got} (expected {expected})"))
            })
            .collect();
        assert!(failures.is_empty(), "{failures:#?}");
    }

    #[test]
    fn canon_json_fails_one_appendix_b_vector() {
        use canon_json::CanonJsonSerialize as _;
        let failures: Vec<String> = vectors()
            .into_iter()
            .filter_map(|(what, value, expected)| {
                let got = value.to_canon_json_string().unwrap();
                (got != expected).then(|| format!("{what}: {got}"))
            })
            .collect();
        assert_eq!(failures, ["appendix B 43143ff3c1cb0959: 1424953923781206.3"]);
        // And it keeps every digit of integers JCS reads as doubles.
        assert_eq!(json!(9007199254740993u64).to_canon_json_string().unwrap(), "9007199254740993");
        assert_eq!(canonical_json(&json!(9007199254740993u64)).unwrap(), "9007199254740992");
    }

    #[test]
    fn canonical_text_reads_back_equal() {
        for (what, value, _) in vectors() {
            let back: Value = serde_json::from_str(&canonical_json(&value).unwrap()).unwrap();
            assert_eq!(first_difference(&value, &back), None, "{what}");
        }
    }

    #[test]
    fn numbers_compare_by_value() {
        let same = [("1", "1.0"), ("1", "1e0"), ("0", "-0.0"), ("0.002", "2e-3"), ("1e21", "1000000000000000000000")];
        for (a, b) in same {
            let (a, b): (Value, Value) = (serde_json::from_str(a).unwrap(), serde_json::from_str(b).unwrap());
            assert_eq!(first_difference(&a, &b), None, "{a} {b}");
        }
        let differ = [
            ("1", "1.0000000000000002"),
            ("9007199254740993", "9007199254740992"),
            ("-1", "1"),
            ("0.1", "0.10000000149011612"),
        ];
        for (a, b) in differ {
            let (a, b): (Value, Value) = (serde_json::from_str(a).unwrap(), serde_json::from_str(b).unwrap());
            assert_eq!(first_difference(&a, &b), Some(String::new()), "{a} {b}");
        }
        assert_eq!(first_difference(&json!(9007199254740993u64), &json!(9007199254740992.0)), Some(String::new()));
        assert_eq!(first_difference(&json!(u64::MAX), &json!(-1)), Some(String::new()));
    }

    #[test]
    fn differences_are_located() {
        let a = json!({"media": [{"score": 0.5, "a/b": {"x~": 1}}], "id": "r"});
        assert_eq!(first_difference(&a, &a.clone()), None);
        let mut b = a.clone();
        b["media"][0]["a/b"]["x~"] = json!(2);
        assert_eq!(first_difference(&a, &b).as_deref(), Some("/media/0/a~1b/x~0"));
        let mut c = a.clone();
        c["extra"] = json!(null);
        assert_eq!(first_difference(&a, &c).as_deref(), Some("/extra"));
        let mut d = a.clone();
        d["media"].as_array_mut().unwrap().push(json!({}));
        assert_eq!(first_difference(&a, &d).as_deref(), Some("/media"));
        assert_eq!(first_difference(&json!("x"), &json!(["x"])).as_deref(), Some(""));
        assert_eq!(first_difference(&json!(null), &json!(false)).as_deref(), Some(""));
    }
}
