//! Tables as CSV (RFC 4180, through the `csv` crate: CRLF line ends, fields with a comma,
//! quote or line break quoted, quotes doubled). Device text that a spreadsheet would run as
//! a formula (a cell starting with `=`, `+`, `-`, `@`, tab or carriage return) gets a `'`
//! in front; JSON numbers are written as they are.
//!
//! `netdash run --csv` makes one row per answering target (`target` first) with
//! `--select .a,.b.c` columns: dotted paths into the answer, a number indexes an array
//! (`.interfaces.0.name`). Without `--select`, the columns are the answers' top-level keys.

use std::borrow::Cow;

use serde_json::Value;

/// What can go wrong making a CSV table.
#[derive(Debug, thiserror::Error)]
pub enum CsvError {
    #[error(
        "--select {0:?}: expected dotted paths separated by commas, e.g. --select .hostname,.version"
    )]
    BadSelect(String),
    #[error("cannot write CSV: {0}")]
    Write(#[from] csv::Error),
}

/// One `--select` column: its path as typed (the header) and its keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    keys: Vec<String>,
}

impl Column {
    /// The value at this column's path in `v`, if there is one.
    pub fn get<'a>(&self, v: &'a Value) -> Option<&'a Value> {
        self.keys.iter().try_fold(v, |v, k| match v {
            Value::Object(m) => m.get(k),
            Value::Array(a) => k.parse::<usize>().ok().and_then(|i| a.get(i)),
            _ => None,
        })
    }
}

/// `.a,.b.c` as columns.
pub fn parse_select(s: &str) -> Result<Vec<Column>, CsvError> {
    let bad = || CsvError::BadSelect(s.to_string());
    let cols: Vec<Column> = s
        .split(',')
        .map(str::trim)
        .map(|p| {
            let rest = p.strip_prefix('.').ok_or_else(bad)?;
            let keys: Vec<String> = rest.split('.').map(str::to_string).collect();
            if keys.iter().any(String::is_empty) {
                return Err(bad());
            }
            Ok(Column {
                name: p.to_string(),
                keys,
            })
        })
        .collect::<Result<_, _>>()?;
    if cols.is_empty() {
        return Err(bad());
    }
    Ok(cols)
}

/// Device text made safe to open in a spreadsheet: a leading formula character gets a `'`.
pub fn guard(s: &str) -> Cow<'_, str> {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{s}"))
    } else {
        Cow::Borrowed(s)
    }
}

/// One cell: strings guarded, numbers and booleans as written, null empty, containers as
/// compact JSON (guarded too: they are device text).
pub fn cell(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => guard(s).into_owned(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Bool(b)) => b.to_string(),
        Some(c) => guard(&c.to_string()).into_owned(),
    }
}

/// The header and rows for answers by target: `target` then the columns (or the answers'
/// top-level keys in first-seen order).
pub fn results_table(
    answers: &[(String, Value)],
    select: Option<&[Column]>,
) -> (Vec<String>, Vec<Vec<String>>) {
    let cols: Vec<Column> = if let Some(s) = select {
        s.to_vec()
    } else {
        let mut names: Vec<String> = Vec::new();
        for (_, v) in answers {
            if let Value::Object(m) = v {
                for k in m.keys() {
                    if !names.contains(k) {
                        names.push(k.clone());
                    }
                }
            }
        }
        names
            .into_iter()
            .map(|k| Column {
                name: k.clone(),
                keys: vec![k],
            })
            .collect()
    };
    let mut header = vec!["target".to_string()];
    header.extend(cols.iter().map(|c| guard(&c.name).into_owned()));
    let rows = answers
        .iter()
        .map(|(t, v)| {
            let mut r = vec![guard(t).into_owned()];
            r.extend(cols.iter().map(|c| cell(c.get(v))));
            r
        })
        .collect();
    (header, rows)
}

/// Write a table as RFC 4180 CSV.
pub fn write(
    out: impl std::io::Write,
    header: &[String],
    rows: &[Vec<String>],
) -> Result<(), CsvError> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(out);
    w.write_record(header)?;
    for r in rows {
        w.write_record(r)?;
    }
    w.flush().map_err(csv::Error::from)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn formulas_are_defused_and_numbers_kept() {
        assert_eq!(guard("=1+1"), "'=1+1");
        assert_eq!(guard("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(guard("plain"), "plain");
        assert_eq!(cell(Some(&json!(-5))), "-5");
        assert_eq!(cell(Some(&json!("-5"))), "'-5");
        assert_eq!(cell(Some(&json!(null))), "");
        assert_eq!(cell(Some(&json!({"a": [1]}))), r#"{"a":[1]}"#);
    }

    #[test]
    fn select_paths_and_errors() {
        let c = parse_select(".a, .b.0.c").expect("parses");
        let v = json!({"a": 1, "b": [{"c": "x"}]});
        assert_eq!(cell(c[0].get(&v)), "1");
        assert_eq!(cell(c[1].get(&v)), "x");
        assert!(parse_select("a").is_err());
        assert!(parse_select(".a..b").is_err());
        assert!(parse_select("").is_err());
    }

    #[test]
    fn rfc4180_quoting_and_crlf() {
        let answers = vec![
            (
                "t1".to_string(),
                json!({"x": "a,b", "y": "say \"hi\"\nbye"}),
            ),
            ("t2".to_string(), json!({"y": 2, "z": true})),
        ];
        let (h, rows) = results_table(&answers, None);
        let mut out = Vec::new();
        write(&mut out, &h, &rows).expect("writes");
        assert_eq!(
            String::from_utf8(out).expect("utf-8"),
            "target,x,y,z\r\nt1,\"a,b\",\"say \"\"hi\"\"\nbye\",\r\nt2,,2,true\r\n"
        );
    }
}

/// A table as CSV bytes in memory (the dashboard hands them to its `Save` effect).
pub fn to_bytes(header: &[String], rows: &[Vec<String>]) -> Result<Vec<u8>, CsvError> {
    let mut out = Vec::new();
    write(&mut out, header, rows)?;
    Ok(out)
}

/// `netdash-WHAT-YYYYMMDD-HHMMSS.csv` (UTC) in the current directory: `w` in a table.
pub fn default_path(what: &str, now: std::time::SystemTime) -> String {
    let secs = now
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let tod = secs % 86_400;
    // Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "netdash-{what}-{y:04}{m:02}{d:02}-{:02}{:02}{:02}.csv",
        tod / 3600,
        tod / 60 % 60,
        tod % 60
    )
}

#[cfg(test)]
mod path_tests {
    #[test]
    fn default_path_has_a_utc_timestamp() {
        let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_764_515_730);
        assert_eq!(
            super::default_path("devices", t),
            "netdash-devices-20251130-151530.csv"
        );
    }
}
