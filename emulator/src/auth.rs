//! Bearer tokens and what their scopes allow.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::RwLock;

use crate::seed::TokenGrant;
use crate::sync::{read, write};

/// What a token may do with synchronization jobs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Grants {
    pub read: bool,
    pub write: bool,
}

impl Grants {
    /// Writes need `Synchronization.ReadWrite.All` or `Application.ReadWrite.OwnedBy`;
    /// reads also accept `Synchronization.Read.All`.
    pub fn from_scopes<S: AsRef<str>>(scopes: &[S]) -> Grants {
        let has = |name: &str| scopes.iter().any(|s| s.as_ref().eq_ignore_ascii_case(name));
        let write = has("Synchronization.ReadWrite.All") || has("Application.ReadWrite.OwnedBy");
        Grants {
            write,
            read: write || has("Synchronization.Read.All"),
        }
    }
}

/// What the `Authorization` header carries.
#[derive(Debug, PartialEq, Eq)]
pub enum Credential<'a> {
    /// No header, an empty one, or `Bearer` with nothing after it.
    Empty,
    /// `Bearer <token>`.
    Bearer(&'a str),
}

/// Reads `Authorization: Bearer <token>` (scheme case-insensitive).
pub fn credential(header: Option<&[u8]>) -> Credential<'_> {
    let Some(value) = header.and_then(|h| std::str::from_utf8(h).ok()) else {
        return Credential::Empty;
    };
    let value = value.trim();
    let token = match value.split_once(char::is_whitespace) {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => rest.trim(),
        _ if value.eq_ignore_ascii_case("bearer") => "",
        // A non-Bearer scheme carries no access token Graph could read.
        _ => "",
    };
    if token.is_empty() {
        Credential::Empty
    } else {
        Credential::Bearer(token)
    }
}

/// Tokens from the seed and the command line (fixed), plus runtime ones from the control API.
pub struct TokenRegistry {
    fixed: HashMap<String, Grants>,
    runtime: RwLock<HashMap<String, Grants>>,
    has_runtime: AtomicBool,
}

impl TokenRegistry {
    pub fn new(fixed: &[TokenGrant]) -> TokenRegistry {
        TokenRegistry {
            fixed: fixed
                .iter()
                .map(|t| (t.token.clone(), Grants::from_scopes(&t.scopes)))
                .collect(),
            runtime: RwLock::new(HashMap::new()),
            has_runtime: AtomicBool::new(false),
        }
    }

    /// A runtime registration overrides a fixed token of the same value.
    pub fn lookup(&self, token: &str) -> Option<Grants> {
        if self.has_runtime.load(Ordering::Acquire) {
            if let Some(grants) = read(&self.runtime).get(token) {
                return Some(*grants);
            }
        }
        self.fixed.get(token).copied()
    }

    pub fn register(&self, token: String, grants: Grants) {
        write(&self.runtime).insert(token, grants);
        self.has_runtime.store(true, Ordering::Release);
    }

    pub fn clear_runtime(&self) {
        write(&self.runtime).clear();
        self.has_runtime.store(false, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_map_to_grants() {
        assert_eq!(
            Grants::from_scopes(&["Synchronization.ReadWrite.All"]),
            Grants {
                read: true,
                write: true
            }
        );
        assert_eq!(
            Grants::from_scopes(&["application.readwrite.ownedby"]),
            Grants {
                read: true,
                write: true
            }
        );
        assert_eq!(
            Grants::from_scopes(&["Synchronization.Read.All"]),
            Grants {
                read: true,
                write: false
            }
        );
        assert_eq!(
            Grants::from_scopes(&["User.Read"]),
            Grants {
                read: false,
                write: false
            }
        );
    }

    #[test]
    fn parses_bearer_credentials() {
        assert_eq!(credential(None), Credential::Empty);
        assert_eq!(credential(Some(b"")), Credential::Empty);
        assert_eq!(credential(Some(b"Bearer ")), Credential::Empty);
        assert_eq!(credential(Some(b"Bearer")), Credential::Empty);
        assert_eq!(credential(Some(b"Basic abc")), Credential::Empty);
        assert_eq!(credential(Some(b"bearer  tok")), Credential::Bearer("tok"));
        assert_eq!(
            credential(Some(b"Bearer eyJ.a.b")),
            Credential::Bearer("eyJ.a.b")
        );
    }

    #[test]
    fn runtime_tokens_override_and_clear() {
        let registry = TokenRegistry::new(&[TokenGrant {
            token: "t".into(),
            scopes: vec!["Synchronization.Read.All".into()],
        }]);
        assert_eq!(registry.lookup("t").map(|g| g.write), Some(false));
        registry.register(
            "t".into(),
            Grants {
                read: true,
                write: true,
            },
        );
        assert_eq!(registry.lookup("t").map(|g| g.write), Some(true));
        registry.clear_runtime();
        assert_eq!(registry.lookup("t").map(|g| g.write), Some(false));
        assert_eq!(registry.lookup("x"), None);
    }
}
