//! Keeping secrets out of logs, error text and the screen.

/// Query-string keys whose values are secrets in one of the five APIs.
const SECRET_KEYS: &[&str] = &[
    "uidaruba",
    "password",
    "client_secret",
    "refresh_token",
    "access_token",
    "code",
    "token",
];

/// A URL (or path with query) with the values of secret query parameters replaced by `***`.
pub fn url(raw: &str) -> String {
    let Some((base, query)) = raw.split_once('?') else {
        return raw.to_string();
    };
    let parts: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((k, _)) if SECRET_KEYS.contains(&k.to_ascii_lowercase().as_str()) => {
                format!("{k}=***")
            }
            _ => pair.to_string(),
        })
        .collect();
    format!("{base}?{}", parts.join("&"))
}

/// Device text (CLI error output, a status string) made into one readable line: runs of
/// whitespace and control characters become one space.
pub fn one_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split(|c: char| c.is_whitespace() || c.is_control()) {
        if !word.is_empty() {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(word);
        }
    }
    out
}

/// Replace every occurrence of any of `secrets` in `text` with `***` (secrets shorter than
/// four characters are left alone: replacing them would shred ordinary words).
pub fn text(text: &str, secrets: &[&str]) -> String {
    let mut out = text.to_string();
    for s in secrets {
        if s.len() >= 4 {
            out = out.replace(s, "***");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn redacts_secret_query_values_only() {
        assert_eq!(
            super::url("/v1/configuration/showcommand?command=show+version&UIDARUBA=abc-123"),
            "/v1/configuration/showcommand?command=show+version&UIDARUBA=***"
        );
        assert_eq!(super::url("/system?depth=2"), "/system?depth=2");
    }

    #[test]
    fn redacts_text() {
        assert_eq!(
            super::text("token s3cret here", &["s3cret"]),
            "token *** here"
        );
    }

    #[test]
    fn device_text_becomes_one_line() {
        assert_eq!(
            super::one_line("ERROR: % Invalid input\n  detected at '^' marker.\r\n"),
            "ERROR: % Invalid input detected at '^' marker."
        );
    }
}
