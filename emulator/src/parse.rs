//! Parsing shared by the Graph and control handlers: path segments and JSON bodies.

use percent_encoding::percent_decode_str;

/// Splits a raw path into percent-decoded segments: `%2F` stays inside its segment.
/// One trailing slash is ignored.
pub fn segments(path: &str) -> Vec<String> {
    let path = path.strip_prefix('/').unwrap_or(path);
    let path = path.strip_suffix('/').unwrap_or(path);
    path.split('/')
        .map(|s| percent_decode_str(s).decode_utf8_lossy().into_owned())
        .collect()
}

/// Deserializes a control body; the error names the JSON path at fault.
pub fn from_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, String> {
    let mut de = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        if path == "." {
            format!("invalid JSON body: {}", e.into_inner())
        } else {
            format!("invalid JSON body at {path}: {}", e.into_inner())
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_each_segment_on_its_own() {
        assert_eq!(
            segments("/beta/servicePrincipals/a%2Fb"),
            ["beta", "servicePrincipals", "a/b"]
        );
        assert_eq!(segments("/v1.0/%24batch"), ["v1.0", "$batch"]);
        assert_eq!(segments("/beta/x/"), ["beta", "x"]);
        assert_eq!(segments("/beta/%zz%"), ["beta", "%zz%"]);
        assert_eq!(segments("/beta/%FF"), ["beta", "\u{FFFD}"]);
    }

    #[test]
    fn json_errors_name_the_path() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct T {
            a: Vec<u8>,
        }
        let err = from_json::<T>(br#"{"a":[1,"x"]}"#).unwrap_err();
        assert!(err.contains("at a[1]"), "{err}");
        assert!(from_json::<T>(b"{")
            .unwrap_err()
            .starts_with("invalid JSON body"));
    }
}
