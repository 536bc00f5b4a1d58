//! Input checks shared by every entry point. Each returns a message for the field it checks.

pub const REFERRAL_CODE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
pub const REFERRAL_CODE_LEN: usize = 8;

/// Tenant slugs: `^[a-z0-9-]{3,40}$`.
pub fn slug(slug: &str) -> Result<(), String> {
    let ok = (3..=40).contains(&slug.len())
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if ok {
        Ok(())
    } else {
        Err("must match ^[a-z0-9-]{3,40}$".to_owned())
    }
}

/// A checked value: made only by its parser, so a function taking one needs no check of its own.
macro_rules! checked {
    ($($(#[doc = $doc:literal])* $name:ident),*) => {$(
        $(#[doc = $doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl std::ops::Deref for $name {
            type Target = str;

            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;

            fn from_str(text: &str) -> Result<Self, String> {
                $name::parse(text)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0
            }
        }
    )*};
}

checked! {
    /// An email address as accounts are keyed by it: trimmed, lower-cased, plausible.
    Email,
    /// A referral code as claims are keyed by it: upper-cased, eight of the alphabet.
    ReferralCode
}

impl Email {
    pub fn parse(email: &str) -> Result<Email, String> {
        self::email(email)
    }
}

impl ReferralCode {
    pub fn parse(code: &str) -> Result<ReferralCode, String> {
        referral_code(code)
    }
}

/// A plausible email address, returned lower-cased (emails identify accounts case-insensitively).
pub fn email(email: &str) -> Result<Email, String> {
    let email = email.trim();
    let Some((local, domain)) = email.rsplit_once('@') else {
        return Err("is not an email address".to_owned());
    };
    let ok = !local.is_empty()
        && email.len() <= 254
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok {
        Ok(Email(email.to_lowercase()))
    } else {
        Err("is not an email address".to_owned())
    }
}

/// A person's or company's display name: 1–200 characters after trimming.
pub fn name(name: &str) -> Result<String, String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
        return Err("must be 1 to 200 characters".to_owned());
    }
    Ok(name.to_owned())
}

/// A person's name, which emails show as who invited whom: `name`, and nothing that reads as an
/// address or a link (`@`, `://`, `www.`, a domain such as `evil.example`), so nobody can make
/// our emails carry one in a sender's or an addressee's name.
pub fn person_name(text: &str) -> Result<String, String> {
    let name = name(text)?;
    let lower = name.to_lowercase();
    let looks_like_domain = lower
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '(' | ')' | '<' | '>'))
        .any(|word| {
            let mut labels = word.trim_matches('.').split('.');
            let first = labels.next().unwrap_or("");
            let rest: Vec<&str> = labels.collect();
            !first.is_empty()
                && !rest.is_empty()
                && rest.iter().all(|label| !label.is_empty())
                && rest.last().is_some_and(|tld| {
                    tld.chars().count() >= 2
                        && tld.chars().next().is_some_and(char::is_alphabetic)
                        && tld.chars().all(|c| c.is_alphanumeric() || c == '-')
                })
        });
    if lower.contains('@') || lower.contains("://") || lower.contains("www.") || looks_like_domain {
        return Err("must be a name, not an address or a link".to_owned());
    }
    Ok(name)
}

/// A phone number as people write it: `+`, digits, spaces, `-`, `(`, `)`; 6–15 digits.
pub fn phone(phone: &str) -> Result<String, String> {
    let phone = phone.trim();
    let digits = phone.bytes().filter(u8::is_ascii_digit).count();
    let ok = (6..=15).contains(&digits)
        && phone.len() <= 32
        && phone
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'+' | b' ' | b'-' | b'(' | b')'));
    if ok {
        Ok(phone.to_owned())
    } else {
        Err("must be a phone number such as +48 600 123 456".to_owned())
    }
}

/// Free text someone writes (an invitation's subject or body): at most `max` characters.
pub fn text(text: &str, max: usize) -> Result<String, String> {
    let text = text.trim();
    if text.chars().count() > max {
        return Err(format!("must be at most {max} characters"));
    }
    Ok(text.to_owned())
}

/// Passwords: 10–256 characters. Length is what makes a password strong.
pub fn password(password: &str) -> Result<(), String> {
    let length = password.chars().count();
    if !(10..=256).contains(&length) {
        return Err("must be 10 to 256 characters".to_owned());
    }
    Ok(())
}

/// Ids chosen by a tenant (deal external ids, partner external ids): they travel in URLs and keys.
pub fn external_id(id: &str) -> Result<(), String> {
    let ok = (1..=128).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'));
    if ok {
        Ok(())
    } else {
        Err("must be 1 to 128 of A-Z a-z 0-9 - _ . :".to_owned())
    }
}

pub fn referral_code(code: &str) -> Result<ReferralCode, String> {
    let code = code.trim().to_ascii_uppercase();
    let ok = code.len() == REFERRAL_CODE_LEN
        && code.bytes().all(|b| REFERRAL_CODE_ALPHABET.contains(&b));
    if ok {
        Ok(ReferralCode(code))
    } else {
        Err("is not a referral code".to_owned())
    }
}

/// Renders an external id template: `{seq}` or `{seq:05}` (zero-padded) is the tenant's counter.
pub fn render_external_id(template: &str, seq: u64) -> Result<String, String> {
    let start = template
        .find("{seq")
        .ok_or("must contain {seq} or {seq:0N}")?;
    let end = start + template[start..].find('}').ok_or("has an unclosed {seq")?;
    let width = match &template[start + 4..end] {
        "" => 0,
        spec => spec
            .strip_prefix(":0")
            .and_then(|w| w.parse::<usize>().ok())
            .filter(|w| *w <= 20)
            .ok_or("uses {seq:0N} with N from 1 to 20")?,
    };
    let rendered = format!(
        "{}{seq:0width$}{}",
        &template[..start],
        &template[end + 1..]
    );
    external_id(&rendered)?;
    Ok(rendered)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_lowercase_words_with_dashes() {
        assert!(slug("acme-42").is_ok());
        for bad in ["ab", "Acme", "acme_co", "a".repeat(41).as_str(), "acme co"] {
            assert!(slug(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn emails_are_trimmed_and_lowercased() {
        assert_eq!(
            email(" Ann@Example.COM ").unwrap().as_str(),
            "ann@example.com"
        );
        for bad in [
            "ann",
            "ann@",
            "@x.io",
            "ann@localhost",
            "a b@x.io",
            "ann@x.io.",
        ] {
            assert!(email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_person_name_carries_no_address_or_link() {
        for fine in [
            "Anna Kowalska",
            "J. R. R. Tolkien",
            "O'Brien",
            "Jean-Luc",
            "Ірина",
            "Dr. Who",
        ] {
            assert_eq!(person_name(fine).as_deref(), Ok(fine), "{fine}");
        }
        for bad in [
            "me@evil.example",
            "Visit evil.example",
            "https://evil.example",
            "ftp://x",
            "www.win",
            "Claim at evil.co.uk now",
            "prize.xn--p1ai",
        ] {
            assert!(person_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn external_id_templates_pad_the_counter() {
        assert_eq!(render_external_id("P-{seq:05}", 42).unwrap(), "P-00042");
        assert_eq!(render_external_id("{seq}", 7).unwrap(), "7");
        assert!(render_external_id("P-", 1).is_err());
        assert!(render_external_id("P-{seq:x}", 1).is_err());
        assert!(
            render_external_id("P {seq}", 1).is_err(),
            "spaces cannot travel in links"
        );
    }

    #[test]
    fn referral_codes_avoid_ambiguous_characters() {
        assert_eq!(referral_code("ab3cd5ef").unwrap().as_str(), "AB3CD5EF");
        assert!(referral_code("AB0CD5EF").is_err(), "0 looks like O");
        assert!(referral_code("ABC").is_err());
    }
}
