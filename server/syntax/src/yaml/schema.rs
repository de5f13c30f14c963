//! The YAML 1.2 core schema: which plain scalars are null, booleans or numbers (and so not
//! strings).

/// YAML 1.2 core schema null.
pub fn is_core_null(s: &str) -> bool {
    matches!(s, "" | "~" | "null" | "Null" | "NULL")
}

/// YAML 1.2 core schema boolean.
pub fn is_core_bool(s: &str) -> bool {
    matches!(s, "true" | "True" | "TRUE" | "false" | "False" | "FALSE")
}

/// Whether a plain scalar with this text would not be a string in the YAML 1.2 core schema
/// (null, boolean, integer, float, `.inf`, `.nan`).
pub fn is_core_special(s: &str) -> bool {
    is_core_null(s) || is_core_bool(s) || is_core_number(s)
}

/// YAML 1.2 core schema number (int, octal `0o`, hex `0x`, float, exponent, `.inf`, `.nan`).
pub fn is_core_number(s: &str) -> bool {
    if matches!(
        s,
        ".inf"
            | ".Inf"
            | ".INF"
            | "+.inf"
            | "+.Inf"
            | "+.INF"
            | "-.inf"
            | "-.Inf"
            | "-.INF"
            | ".nan"
            | ".NaN"
            | ".NAN"
    ) {
        return true;
    }
    if let Some(h) = s.strip_prefix("0x") {
        return !h.is_empty() && h.bytes().all(|b| b.is_ascii_hexdigit());
    }
    if let Some(o) = s.strip_prefix("0o") {
        return !o.is_empty() && o.bytes().all(|b| (b'0'..=b'7').contains(&b));
    }
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let mantissa_ok = match mantissa.split_once('.') {
        None => !mantissa.is_empty() && mantissa.bytes().all(|b| b.is_ascii_digit()),
        Some((int, frac)) => {
            int.bytes().all(|b| b.is_ascii_digit())
                && frac.bytes().all(|b| b.is_ascii_digit())
                && (!int.is_empty() || !frac.is_empty())
            // `.5` and `1.` are floats, `.` is not; with no exponent `1.` is still a float.
        }
    };
    if !mantissa_ok {
        return false;
    }
    match exponent {
        None => true,
        Some(e) => {
            let digits = e.strip_prefix(['-', '+']).unwrap_or(e);
            !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_schema() {
        for s in [
            "1", "-2", "0x1F", "0o17", "1.5", ".5", "1e3", "-.inf", ".nan", "true", "NULL", "~", "",
        ] {
            assert!(is_core_special(s), "{s}");
        }
        for s in [
            "yes",
            "on",
            "1.2.3",
            "0x",
            "e3",
            ".",
            "abc",
            "2025-04-01T07:33:45.739Z",
        ] {
            assert!(!is_core_special(s), "{s}");
        }
    }
}
