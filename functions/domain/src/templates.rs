//! Notification templates: the built-in wording in English, Polish, Russian and Ukrainian, the
//! variables each template gets, and rendering with minijinja. A tenant may replace any
//! template in any language; its text is checked here before it is saved, and rendered here at
//! delivery.

use minijinja::{Environment, Value};
use std::collections::BTreeMap;
use upline_contract::Language;

/// Every notification Upline sends.
pub const NAMES: [&str; 7] = [
    "invitation",
    "invitation_sms",
    "confirm_email",
    "set_password",
    "commission_credited",
    "payout_paid",
    "payout_rejected",
];

/// The variables a template may use; each template gets all of them (empty when they do not
/// apply), so a tenant's text never fails on a name from another template.
pub const VARIABLES: [&str; 14] = [
    "name",
    "program_name",
    "link",
    "inviter_name",
    "note",
    "amount",
    "currency",
    "reward",
    "deal_id",
    "deal_amount",
    "referred_contact",
    "level",
    "from_partner",
    "reason",
];

/// Bounds the work one render may do, so a tenant's loop cannot stall the stream.
const FUEL: u64 = 20_000;
/// Longest subject and body a tenant may save.
pub const MAX_SUBJECT: usize = 200;
pub const MAX_BODY: usize = 10_000;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct TemplateError {
    /// `subject` or `body`.
    pub field: &'static str,
    pub message: String,
}

/// The built-in subject and body of a template in a language.
pub fn default_text(name: &str, language: Language) -> Option<(&'static str, &'static str)> {
    use Language::*;
    let text = match (name, language) {
        ("commission_credited", En) => (
            "You earned {{ reward }}",
            "Hi {{ name }},\n\n{{ reward }} {% if referred_contact %}for your referred client {{ referred_contact }}{% else %}from deal {{ deal_id }}{% if deal_amount %} worth {{ deal_amount }}{% endif %}{% endif %} (level {{ level }}{% if from_partner %}, through {{ from_partner }}{% endif %}) was credited to your wallet.\n",
        ),
        ("commission_credited", Pl) => (
            "Nowa prowizja: {{ reward }}",
            "Cześć {{ name }},\n\nna Twój portfel wpłynęło {{ reward }} {% if referred_contact %}za poleconego klienta {{ referred_contact }}{% else %}z transakcji {{ deal_id }}{% if deal_amount %} o wartości {{ deal_amount }}{% endif %}{% endif %} (poziom {{ level }}{% if from_partner %}, przez {{ from_partner }}{% endif %}).\n",
        ),
        ("commission_credited", Ru) => (
            "Новая комиссия: {{ reward }}",
            "Здравствуйте, {{ name }}!\n\nНа ваш кошелёк зачислено {{ reward }} {% if referred_contact %}за приведённого клиента {{ referred_contact }}{% else %}за сделку {{ deal_id }}{% if deal_amount %} на сумму {{ deal_amount }}{% endif %}{% endif %} (уровень {{ level }}{% if from_partner %}, через {{ from_partner }}{% endif %}).\n",
        ),
        ("commission_credited", Uk) => (
            "Нова комісія: {{ reward }}",
            "Вітаємо, {{ name }}!\n\nНа ваш гаманець зараховано {{ reward }} {% if referred_contact %}за залученого клієнта {{ referred_contact }}{% else %}за угоду {{ deal_id }}{% if deal_amount %} на суму {{ deal_amount }}{% endif %}{% endif %} (рівень {{ level }}{% if from_partner %}, через {{ from_partner }}{% endif %}).\n",
        ),
        ("payout_paid", En) => (
            "Your payout of {{ reward }} was paid",
            "Hi {{ name }},\n\nyour payout of {{ reward }} was paid.\n",
        ),
        ("payout_paid", Pl) => (
            "Wypłata {{ reward }} została zrealizowana",
            "Cześć {{ name }},\n\nTwoja wypłata {{ reward }} została zrealizowana.\n",
        ),
        ("payout_paid", Ru) => (
            "Выплата {{ reward }} произведена",
            "Здравствуйте, {{ name }}!\n\nВаша выплата {{ reward }} произведена.\n",
        ),
        ("payout_paid", Uk) => (
            "Виплату {{ reward }} здійснено",
            "Вітаємо, {{ name }}!\n\nВашу виплату {{ reward }} здійснено.\n",
        ),
        ("payout_rejected", En) => (
            "Your payout request was declined",
            "Hi {{ name }},\n\nyour payout request of {{ reward }} was declined: {{ reason }}\nThe amount stays in your wallet.\n",
        ),
        ("payout_rejected", Pl) => (
            "Wniosek o wypłatę został odrzucony",
            "Cześć {{ name }},\n\nTwój wniosek o wypłatę {{ reward }} został odrzucony: {{ reason }}\nKwota pozostaje w Twoim portfelu.\n",
        ),
        ("payout_rejected", Ru) => (
            "Запрос на выплату отклонён",
            "Здравствуйте, {{ name }}!\n\nВаш запрос на выплату {{ reward }} отклонён: {{ reason }}\nСумма остаётся в вашем кошельке.\n",
        ),
        ("payout_rejected", Uk) => (
            "Запит на виплату відхилено",
            "Вітаємо, {{ name }}!\n\nВаш запит на виплату {{ reward }} відхилено: {{ reason }}\nСума залишається у вашому гаманці.\n",
        ),
        ("confirm_email", En) => (
            "Confirm your email",
            "Hi {{ name }},\n\nplease confirm your email address: {{ link }}\n",
        ),
        ("confirm_email", Pl) => (
            "Potwierdź swój adres e-mail",
            "Cześć {{ name }},\n\npotwierdź swój adres e-mail: {{ link }}\n",
        ),
        ("confirm_email", Ru) => (
            "Подтвердите адрес электронной почты",
            "Здравствуйте, {{ name }}!\n\nПодтвердите адрес электронной почты: {{ link }}\n",
        ),
        ("confirm_email", Uk) => (
            "Підтвердьте адресу електронної пошти",
            "Вітаємо, {{ name }}!\n\nПідтвердьте адресу електронної пошти: {{ link }}\n",
        ),
        ("set_password", En) => (
            "Set your password",
            "Hi {{ name }},\n\nset your password here (the link works once): {{ link }}\n",
        ),
        ("set_password", Pl) => (
            "Ustaw hasło",
            "Cześć {{ name }},\n\nustaw hasło tutaj (link działa jeden raz): {{ link }}\n",
        ),
        ("set_password", Ru) => (
            "Установите пароль",
            "Здравствуйте, {{ name }}!\n\nУстановите пароль по ссылке (она действует один раз): {{ link }}\n",
        ),
        ("set_password", Uk) => (
            "Встановіть пароль",
            "Вітаємо, {{ name }}!\n\nВстановіть пароль за посиланням (воно діє один раз): {{ link }}\n",
        ),
        ("invitation", En) => (
            "{{ inviter_name }} invites you to join {{ program_name }}",
            "Hi {{ name }},\n\n{% if note %}{{ note }}\n\n{% endif %}{{ inviter_name }} invites you to join the partner program: {{ link }}\n",
        ),
        ("invitation", Pl) => (
            "{{ inviter_name }} zaprasza Cię do {{ program_name }}",
            "Cześć {{ name }},\n\n{% if note %}{{ note }}\n\n{% endif %}{{ inviter_name }} zaprasza Cię do programu partnerskiego: {{ link }}\n",
        ),
        ("invitation", Ru) => (
            "{{ inviter_name }} приглашает вас в {{ program_name }}",
            "Здравствуйте, {{ name }}!\n\n{% if note %}{{ note }}\n\n{% endif %}{{ inviter_name }} приглашает вас в партнёрскую программу: {{ link }}\n",
        ),
        ("invitation", Uk) => (
            "{{ inviter_name }} запрошує вас до {{ program_name }}",
            "Вітаємо, {{ name }}!\n\n{% if note %}{{ note }}\n\n{% endif %}{{ inviter_name }} запрошує вас до партнерської програми: {{ link }}\n",
        ),
        // An SMS is its body; the subject only names it in the delivery log.
        ("invitation_sms", En) => (
            "Invitation (SMS)",
            "{{ inviter_name }} invites you to {{ program_name }}: {{ link }}",
        ),
        ("invitation_sms", Pl) => (
            "Zaproszenie (SMS)",
            "{{ inviter_name }} zaprasza Cię do {{ program_name }}: {{ link }}",
        ),
        ("invitation_sms", Ru) => (
            "Приглашение (SMS)",
            "{{ inviter_name }} приглашает вас в {{ program_name }}: {{ link }}",
        ),
        ("invitation_sms", Uk) => (
            "Запрошення (SMS)",
            "{{ inviter_name }} запрошує вас до {{ program_name }}: {{ link }}",
        ),
        _ => return None,
    };
    Some(text)
}

/// An amount as the recipient reads it: `12.50 EUR` in English, `12,50 EUR` in the others.
pub fn format_money(amount: &str, currency: &str, language: Language) -> String {
    let amount = match language {
        Language::En => amount.to_owned(),
        _ => amount.replace('.', ","),
    };
    if currency.is_empty() {
        amount
    } else {
        format!("{amount} {currency}")
    }
}

/// The values one notification is rendered with (names from [`VARIABLES`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Variables(BTreeMap<&'static str, String>);

impl Variables {
    pub fn set(&mut self, name: &'static str, value: impl Into<String>) -> &mut Self {
        debug_assert!(
            VARIABLES.contains(&name),
            "unknown template variable {name}"
        );
        self.0.insert(name, value.into());
        self
    }

    /// Sample values, for checking a tenant's template before it is saved.
    pub fn sample() -> Self {
        let mut vars = Variables::default();
        for name in VARIABLES {
            vars.set(name, format!("<{name}>"));
        }
        vars
    }

    fn value(&self) -> Value {
        let map: BTreeMap<Value, Value> = VARIABLES
            .iter()
            .map(|name| {
                let value = self.0.get(name).cloned().unwrap_or_default();
                (Value::from(*name), Value::from(value))
            })
            .collect();
        Value::from_object(map)
    }
}

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_fuel(Some(FUEL));
    env
}

fn render_one(
    env: &Environment<'_>,
    field: &'static str,
    source: &str,
    vars: &Value,
) -> Result<String, TemplateError> {
    let error = |err: minijinja::Error| TemplateError {
        field,
        message: match err.line() {
            Some(line) => format!("line {line}: {}", err.kind()),
            None => err.kind().to_string(),
        } + &err.detail().map(|d| format!(" ({d})")).unwrap_or_default(),
    };
    let template = env.template_from_str(source).map_err(error)?;
    template.render(vars).map_err(error)
}

/// Renders a subject and a body. Subjects are one line: line breaks become spaces.
pub fn render(
    subject: &str,
    body: &str,
    vars: &Variables,
) -> Result<(String, String), TemplateError> {
    // A template saved before the subset was enforced is refused here too, whatever it holds.
    for (field, source) in [("subject", subject), ("body", body)] {
        check_subset(source, false).map_err(|message| TemplateError { field, message })?;
    }
    let env = environment();
    let value = vars.value();
    let subject = render_one(&env, "subject", subject, &value)?;
    let body = render_one(&env, "body", body, &value)?;
    if subject.len() + body.len() > MAX_OUTPUT {
        return Err(TemplateError {
            field: "body",
            message: format!("renders to more than {MAX_OUTPUT} characters"),
        });
    }
    Ok((
        subject.split_whitespace().collect::<Vec<_>>().join(" "),
        body,
    ))
}

/// Longest text one render may produce: a tenant's template cannot make a huge email.
pub const MAX_OUTPUT: usize = 50_000;

/// Filters a tenant may use: each one's work is linear in its input.
const FILTERS: [&str; 6] = ["upper", "lower", "title", "capitalize", "trim", "escape"];

/// What a tenant's template may contain, whatever branch a render takes: text, `{{ variable }}`
/// (with a filter from [`FILTERS`] or `default("text")`), `{% if %}` / `{% elif %}` / `{% else %}`
/// / `{% endif %}` on variables and string comparisons, and `{# comments #}`. No loops, ranges,
/// arithmetic, concatenation, lists, `set`, macros or includes: a render is then linear in the
/// template's length, so no text can make the stream handler work long or allocate much.
/// `known_only` also refuses variables outside [`VARIABLES`] (at save time; a render lets them
/// through empty).
pub fn check_subset(source: &str, known_only: bool) -> Result<(), String> {
    let mut rest = source;
    let mut line = 1;
    // The line of each `{% if %}` still open.
    let mut open_ifs: Vec<usize> = Vec::new();
    while let Some(start) = rest.find('{') {
        line += rest[..start].matches('\n').count();
        let after = &rest[start + 1..];
        let (close, kind) = match after.chars().next() {
            Some('{') => ("}}", 'v'),
            Some('%') => ("%}", 't'),
            Some('#') => ("#}", 'c'),
            _ => {
                rest = after;
                continue;
            }
        };
        let inner_start = &after[1..];
        let Some(end) = inner_start.find(close) else {
            return Err(format!("line {line}: a tag is not closed"));
        };
        let inner = &inner_start[..end];
        line_check(inner, line, kind, known_only, &mut open_ifs)?;
        line += inner.matches('\n').count();
        rest = &inner_start[end + close.len()..];
    }
    if let Some(opened) = open_ifs.last() {
        return Err(format!(
            "line {opened}: this {{% if %}} has no {{% endif %}}"
        ));
    }
    Ok(())
}

fn line_check(
    inner: &str,
    line: usize,
    kind: char,
    known_only: bool,
    open_ifs: &mut Vec<usize>,
) -> Result<(), String> {
    let inner = inner.trim_matches(|c: char| c == '-' || c == '+' || c.is_whitespace());
    let refuse = |what: &str| {
        Err(format!(
            "line {line}: {what}; templates may use {{{{ variable }}}}, filters ({}), and {{% if %}}/{{% elif %}}/{{% else %}}/{{% endif %}}",
            FILTERS.join(", ")
        ))
    };
    match kind {
        'c' => Ok(()),
        'v' => match output_expression(inner, known_only) {
            Ok(()) => Ok(()),
            Err(why) => refuse(&why),
        },
        _ => {
            let (word, condition) = inner.split_once(char::is_whitespace).unwrap_or((inner, ""));
            match word {
                "if" | "elif" => {
                    if word == "if" {
                        open_ifs.push(line);
                    } else if open_ifs.is_empty() {
                        return refuse("an elif outside an if");
                    }
                    match condition_expression(condition.trim(), known_only) {
                        Ok(()) => Ok(()),
                        Err(why) => refuse(&why),
                    }
                }
                "else" if condition.trim().is_empty() && !open_ifs.is_empty() => Ok(()),
                "endif" if condition.trim().is_empty() && open_ifs.pop().is_some() => Ok(()),
                other => refuse(&format!("{{% {other} %}} is not allowed")),
            }
        }
    }
}

/// `variable`, `variable | filter`, `variable | default("text")`.
fn output_expression(expr: &str, known_only: bool) -> Result<(), String> {
    let mut parts = expr.split('|').map(str::trim);
    operand(parts.next().unwrap_or(""), known_only, false)?;
    for filter in parts {
        if FILTERS.contains(&filter) {
            continue;
        }
        let literal = filter
            .strip_prefix("default(")
            .and_then(|rest| rest.strip_suffix(')'))
            .map(str::trim);
        match literal {
            Some(text) if string_literal(text) => {}
            _ => return Err(format!("the filter `{filter}` is not allowed")),
        }
    }
    Ok(())
}

/// `[not] operand [== | != operand]`, joined by `and` / `or`.
fn condition_expression(expr: &str, known_only: bool) -> Result<(), String> {
    if expr.is_empty() {
        return Err("an if needs a condition".to_owned());
    }
    let spaced = format!(" {expr} ");
    for clause in spaced.split(" and ").flat_map(|c| c.split(" or ")) {
        let clause = clause.trim();
        let clause = clause.strip_prefix("not ").unwrap_or(clause).trim();
        let (left, right) = match clause.split_once("==").or_else(|| clause.split_once("!=")) {
            Some((left, right)) => (left.trim(), Some(right.trim())),
            None => (clause, None),
        };
        operand(left, known_only, true)?;
        if let Some(right) = right {
            operand(right, known_only, true)?;
        }
    }
    Ok(())
}

/// A variable name, or (where `literal_ok`) a short string literal.
fn operand(text: &str, known_only: bool, literal_ok: bool) -> Result<(), String> {
    if literal_ok && string_literal(text) {
        return Ok(());
    }
    let is_name = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && text
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c == '_');
    if !is_name {
        return Err(format!("`{text}` is not a variable"));
    }
    if known_only && !VARIABLES.contains(&text) {
        return Err(format!(
            "`{text}` is not a variable (there are {})",
            VARIABLES.join(", ")
        ));
    }
    Ok(())
}

/// `"text"` or `'text'` without the other quote or a backslash inside, at most 200 characters.
fn string_literal(text: &str) -> bool {
    let quoted = |q: char| {
        text.len() >= 2
            && text.starts_with(q)
            && text.ends_with(q)
            && !text[1..text.len() - 1].contains([q, '\\'])
    };
    text.chars().count() <= 202 && (quoted('"') || quoted('\''))
}

/// Checks a tenant's template: sizes, the safe subset, syntax, and a render with sample values.
pub fn check(subject: &str, body: &str) -> Result<(), TemplateError> {
    if subject.trim().is_empty() {
        return Err(TemplateError {
            field: "subject",
            message: "must not be empty".into(),
        });
    }
    if subject.chars().count() > MAX_SUBJECT {
        return Err(TemplateError {
            field: "subject",
            message: format!("must be at most {MAX_SUBJECT} characters"),
        });
    }
    if body.chars().count() > MAX_BODY {
        return Err(TemplateError {
            field: "body",
            message: format!("must be at most {MAX_BODY} characters"),
        });
    }
    for (field, source) in [("subject", subject), ("body", body)] {
        check_subset(source, true).map_err(|message| TemplateError { field, message })?;
    }
    render(subject, body, &Variables::sample()).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_has_wording_in_every_language_and_renders() {
        for name in NAMES {
            for language in Language::ALL {
                let (subject, body) = default_text(name, language)
                    .unwrap_or_else(|| panic!("{name} has no {} text", language.code()));
                check(subject, body).unwrap_or_else(|e| panic!("{name}/{language:?}: {e}"));
            }
        }
    }

    #[test]
    fn a_commission_email_names_the_reward_in_the_recipients_language() {
        let (subject, body) = default_text("commission_credited", Language::Pl).unwrap();
        let mut vars = Variables::default();
        vars.set("name", "Ala")
            .set("reward", format_money("12.50", "PLN", Language::Pl))
            .set("deal_id", "D-1")
            .set("level", "2")
            .set("from_partner", "Bartek");
        let (subject, body) = render(subject, body, &vars).unwrap();
        assert_eq!(subject, "Nowa prowizja: 12,50 PLN");
        assert!(body.contains("Cześć Ala"), "{body}");
        assert!(body.contains("poziom 2, przez Bartek"), "{body}");
    }

    #[test]
    fn a_broken_template_is_refused_naming_the_field_and_line() {
        let err = check("Hi", "line one\n{% if name %}no end").unwrap_err();
        assert_eq!(err.field, "body");
        assert!(err.message.contains("line"), "{}", err.message);
        assert_eq!(check("{{ name", "x").unwrap_err().field, "subject");
        assert_eq!(check("  ", "x").unwrap_err().field, "subject");
    }

    #[test]
    fn loops_ranges_and_arithmetic_are_refused_whatever_the_branch() {
        for body in [
            "{% for a in range(1000) %}{% for b in range(1000) %}.{% endfor %}{% endfor %}",
            "{{ [1] * 100000000 }}",
            "{% if name != 'x' %}{{ [1] * 100000000 }}{% endif %}",
            "{% if name != 'x' %}{% else %}{{ name * 99999999 }}{% endif %}",
            "{{ name ~ name }}",
            "{% set x = name %}",
            "{% macro m() %}{% endmacro %}",
            "{% include 'x' %}",
            "{{ name | replace('a', 'b') }}",
            "{{ range(10) }}",
            "{{ name.__class__ }}",
            "{% if name %}unclosed",
        ] {
            let err = check("x", body).unwrap_err();
            assert_eq!(err.field, "body", "{body}");
        }
    }

    #[test]
    fn the_subset_keeps_what_tenants_write() {
        for body in [
            "Hi {{ name }}, {{ reward | upper }} {{ note | default(\"none\") }}",
            "{%- if note and name != \"Bob\" %}{{ note }}{% elif not reason %}-{% else %}{{ reason }}{% endif -%}",
            "{# a comment #}{ a brace } and a }} alone",
        ] {
            check("Subject {{ program_name }}", body).unwrap_or_else(|e| panic!("{body}: {e}"));
        }
        let err = check("Hi {{ nickname }}", "x").unwrap_err();
        assert_eq!(err.field, "subject");
        assert!(err.message.contains("nickname"), "{}", err.message);
    }

    #[test]
    fn a_template_saved_before_the_subset_is_refused_at_render() {
        let err = render("x", "{{ [1] * 100000000 }}", &Variables::default()).unwrap_err();
        assert_eq!(err.field, "body");
    }

    #[test]
    fn an_unknown_variable_renders_empty_rather_than_failing_delivery() {
        let (subject, _) = render("Hi {{ nickname }}!", "", &Variables::default()).unwrap();
        assert_eq!(subject, "Hi !");
    }
}
