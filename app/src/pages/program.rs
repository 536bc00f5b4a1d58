//! Program settings: the commission plan editor (rules, levels, tiers), reversal statuses,
//! minimum payout, signup, external ids, widget origins, the terms PDF — and the what-if
//! simulator, which runs `upline_domain::walk` (the server's own walk) in the browser.

use crate::api::{self, ApiError};
use crate::components::{Field, FormError, date, loaded, money, parse_amount};
use crate::fetched::Fetched;
use crate::i18n::T;
use crate::later;
use crate::session::{text, tr};
use leptos::prelude::*;
use leptos::task::spawn_local;
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use upline_contract as c;
use upline_contract::{
    Amount, AttributionModel, Currency, EventKind, LevelReward, NoParams, PartnerId, Plan, Program,
    Rule, Terms, Tier, Trigger, UpdateProgramRequest,
};
use upline_domain::{DealLedger, WalkInput, validate_plan, walk};
use wasm_bindgen::JsCast;

static NEXT_ID: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(1);

fn next_id() -> u32 {
    NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// One level as typed: `percent` or `fixed`, and the number.
#[derive(Clone, Copy)]
struct LevelDraft {
    id: u32,
    kind: RwSignal<String>,
    value: RwSignal<String>,
}

#[derive(Clone, Copy)]
struct TierDraft {
    id: u32,
    from: RwSignal<String>,
    percent: RwSignal<String>,
}

/// One rule as typed; signals all the way down, so editing one input never re-renders another.
#[derive(Clone, Copy)]
struct RuleDraft {
    id: u32,
    /// `deal_status`, `lead_created` or `client_registered`.
    on: RwSignal<String>,
    status: RwSignal<String>,
    levels: RwSignal<Vec<LevelDraft>>,
    tiers: RwSignal<Vec<TierDraft>>,
}

fn level_draft(kind: &str, value: String) -> LevelDraft {
    LevelDraft {
        id: next_id(),
        kind: RwSignal::new(kind.to_owned()),
        value: RwSignal::new(value),
    }
}

fn tier_draft(from: String, percent: String) -> TierDraft {
    TierDraft {
        id: next_id(),
        from: RwSignal::new(from),
        percent: RwSignal::new(percent),
    }
}

fn rule_draft(rule: &Rule) -> RuleDraft {
    let (on, status) = match &rule.on {
        Trigger::DealStatus(status) => ("deal_status", status.clone()),
        Trigger::Event(event) => (event.as_str(), String::new()),
    };
    RuleDraft {
        id: next_id(),
        on: RwSignal::new(on.to_owned()),
        status: RwSignal::new(status),
        levels: RwSignal::new(
            rule.levels
                .iter()
                .map(|level| match level {
                    LevelReward::Percent(p) => level_draft("percent", p.to_string()),
                    LevelReward::Fixed(f) => level_draft("fixed", f.to_string()),
                })
                .collect(),
        ),
        tiers: RwSignal::new(
            rule.tiers
                .iter()
                .flatten()
                .map(|t| tier_draft(t.from.to_string(), t.percent.to_string()))
                .collect(),
        ),
    }
}

/// The drafts as a plan, or the first input that is not a number (named as the API names it).
fn plan_of(rules: &[RuleDraft]) -> Result<Plan, ApiError> {
    let mut plan = Plan { rules: Vec::new() };
    for (r, rule) in rules.iter().enumerate() {
        let at = |suffix: String| format!("plan.rules[{r}]{suffix}");
        let on = match rule.on.get().as_str() {
            "lead_created" => Trigger::Event(EventKind::LeadCreated),
            "client_registered" => Trigger::Event(EventKind::ClientRegistered),
            _ => Trigger::DealStatus(rule.status.get().trim().to_owned()),
        };
        let mut levels = Vec::new();
        for (l, level) in rule.levels.get().iter().enumerate() {
            let value = parse_amount(&level.value.get(), at(format!(".levels[{l}]")))?;
            levels.push(match level.kind.get().as_str() {
                "fixed" => LevelReward::Fixed(value),
                _ => LevelReward::Percent(value),
            });
        }
        let mut tiers = Vec::new();
        for (t, tier) in rule.tiers.get().iter().enumerate() {
            tiers.push(Tier {
                from: parse_amount(&tier.from.get(), at(format!(".tiers[{t}].from")))?,
                percent: parse_amount(&tier.percent.get(), at(format!(".tiers[{t}].percent")))?,
            });
        }
        plan.rules.push(Rule {
            on,
            levels,
            tiers: Some(tiers).filter(|t| !t.is_empty()),
        });
    }
    Ok(plan)
}

fn statuses_of(text: &str) -> Vec<String> {
    text.split(',')
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect()
}

/// One line of the simulator's result.
#[derive(Clone, Debug, PartialEq)]
pub struct SimulatedCredit {
    pub level: u32,
    pub amount: Decimal,
    pub rule: String,
}

/// What a deal of `amount` entering `status` would credit a chain of `chain_length` partners,
/// computed by the server's walk (a deal with no history, level 1 at `turnover` so far).
pub fn simulate(
    plan: &Plan,
    reversal_statuses: &[String],
    currency: Currency,
    chain_length: usize,
    amount: Decimal,
    status: &str,
    turnover: Decimal,
) -> Result<Vec<SimulatedCredit>, String> {
    let chain: Vec<PartnerId> = (1..=chain_length)
        .map(|level| PartnerId::from(format!("sample-{level}").as_str()))
        .collect();
    let trigger = match status {
        "lead_created" => Trigger::Event(EventKind::LeadCreated),
        "client_registered" => Trigger::Event(EventKind::ClientRegistered),
        other => Trigger::DealStatus(other.to_owned()),
    };
    let turnover = plan
        .rules
        .iter()
        .map(|rule| (rule.on.key(), turnover))
        .collect::<BTreeMap<_, _>>();
    let outcome = walk(&WalkInput {
        plan,
        reversal_statuses,
        currency,
        chain: &chain,
        seq: 1,
        trigger: &trigger,
        amount,
        ledger: &DealLedger::default(),
        turnover: &turnover,
        timing: upline_domain::Timing::default(),
    })
    .map_err(|e| e.to_string())?;
    Ok(outcome
        .credits
        .into_iter()
        .map(|credit| SimulatedCredit {
            level: credit.level,
            // Written as the currency writes it ("10.00"), as the server's preview is.
            amount: currency.normalize(credit.amount),
            rule: credit.rule,
        })
        .collect())
}

#[component]
pub fn ProgramSettings() -> impl IntoView {
    let program = Fetched::new(api::fetch::<c::GetProgram>);
    view! {
        <h1 data-testid="program-page">{text(T::NavProgram)}</h1>
        {loaded(program, move |p: Program| view! { <ProgramForm program=p on_saved=Callback::new(move |_| program.refetch())/> })}
    }
}

#[component]
fn ProgramForm(program: Program, on_saved: Callback<()>) -> impl IntoView {
    let currency_code = RwSignal::new(program.currency.code().to_owned());
    let min_payout = RwSignal::new(program.min_payout.to_string());
    let open_signup = RwSignal::new(program.open_signup);
    let staff_two_factor = RwSignal::new(program.staff_two_factor_required);
    let template = RwSignal::new(program.external_id_template.clone());
    let origins = RwSignal::new(program.widget_origins.join("\n"));
    let reversals = RwSignal::new(program.reversal_statuses.join(", "));
    let landing = RwSignal::new(program.landing_url.clone().unwrap_or_default());
    let window_days = RwSignal::new(program.attribution_window_days.to_string());
    let hold_days = RwSignal::new(program.hold_days.to_string());
    let first_click = RwSignal::new(program.attribution_model == AttributionModel::First);
    let consent_text = RwSignal::new(program.lead_consent_text.clone().unwrap_or_default());
    let rules = RwSignal::new(
        program
            .plan
            .rules
            .iter()
            .map(rule_draft)
            .collect::<Vec<_>>(),
    );
    let error = RwSignal::new(None::<ApiError>);
    let saved = RwSignal::new(false);
    let currency = move || {
        currency_code
            .get()
            .parse::<Currency>()
            .unwrap_or(program.currency)
    };

    // Checked as typed, with the same rules the server applies on save.
    let checked_plan = Memo::new(move |_| {
        let plan = plan_of(&rules.get())?;
        validate_plan(&plan, currency(), &statuses_of(&reversals.get()))
            .map_err(|e| ApiError::invalid(e.field, e.message))?;
        Ok::<Plan, ApiError>(plan)
    });

    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        saved.set(false);
        let plan = match checked_plan.get_untracked() {
            Ok(plan) => plan,
            Err(e) => return error.set(Some(e)),
        };
        let min = match parse_amount(&min_payout.get_untracked(), "min_payout") {
            Ok(m) => m,
            Err(e) => return error.set(Some(e)),
        };
        let Ok(days) = window_days.get_untracked().trim().parse::<u32>() else {
            return error.set(Some(ApiError::invalid(
                "attribution_window_days",
                tr(T::WholeDays),
            )));
        };
        let Ok(hold) = hold_days.get_untracked().trim().parse::<u32>() else {
            return error.set(Some(ApiError::invalid("hold_days", tr(T::WholeDays))));
        };
        let request = UpdateProgramRequest {
            currency: currency_code.get_untracked().trim().parse().ok(),
            min_payout: Some(min),
            open_signup: Some(open_signup.get_untracked()),
            external_id_template: Some(template.get_untracked().trim().to_owned()),
            plan: Some(plan),
            reversal_statuses: Some(statuses_of(&reversals.get_untracked())),
            widget_origins: Some(
                origins
                    .get_untracked()
                    .lines()
                    .map(|l| l.trim().to_owned())
                    .filter(|l| !l.is_empty())
                    .collect(),
            ),
            staff_two_factor_required: Some(staff_two_factor.get_untracked()),
            landing_url: Some(landing.get_untracked().trim().to_owned()),
            attribution_window_days: Some(days),
            attribution_model: Some(if first_click.get_untracked() {
                AttributionModel::First
            } else {
                AttributionModel::Last
            }),
            lead_consent_text: Some(consent_text.get_untracked().trim().to_owned()),
            hold_days: Some(hold),
        };
        spawn_local(async move {
            match api::submit::<c::UpdateProgram>(&request).await {
                Ok(_) => {
                    error.set(None);
                    saved.set(true);
                    on_saved.run(());
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };

    let add_rule = move |_| {
        rules.update(|r| {
            r.push(RuleDraft {
                id: next_id(),
                on: RwSignal::new("deal_status".into()),
                status: RwSignal::new(String::new()),
                levels: RwSignal::new(vec![level_draft("percent", "10".into())]),
                tiers: RwSignal::new(Vec::new()),
            })
        })
    };

    view! {
        <div class="grid program">
            <form class="card" on:submit=save novalidate data-testid="program-form">
                <div class="row">
                    <Field label=T::Currency name="currency" value=currency_code error=error/>
                    <Field label=T::MinPayout name="min_payout" value=min_payout error=error/>
                </div>
                <Field label=T::ExternalIdTemplate name="external_id_template" value=template error=error/>
                <div class="field checkbox">
                    <input type="checkbox" id="open-signup" bind:checked=open_signup data-testid="input-open_signup"/>
                    <label for="open-signup">{text(T::OpenSignup)}</label>
                </div>
                <div class="field checkbox">
                    <input type="checkbox" id="staff-two-factor" bind:checked=staff_two_factor data-testid="input-staff_two_factor_required"/>
                    <label for="staff-two-factor">{text(T::StaffTwoFactorRequired)}</label>
                </div>
                <Field label=T::ReversalStatuses name="reversal_statuses" value=reversals error=error/>
                <div class="field">
                    <label for="widget-origins">{text(T::WidgetOrigins)}</label>
                    <textarea id="widget-origins" rows="2" bind:value=origins data-testid="input-widget_origins"></textarea>
                </div>
                <Field label=T::LandingUrl name="landing_url" value=landing error=error kind="url"/>
                <Field label=T::AttributionWindowDays name="attribution_window_days" value=window_days error=error kind="number"/>
                <Field label=T::HoldDays name="hold_days" value=hold_days error=error kind="number"/>
                <div class="field checkbox">
                    <input type="checkbox" id="first-click" bind:checked=first_click data-testid="input-attribution_model"/>
                    <label for="first-click">{text(T::FirstClickWins)}</label>
                </div>
                <Field label=T::LeadConsentText name="lead_consent_text" value=consent_text error=error/>
                <h2>{text(T::Rules)}</h2>
                <For each=move || rules.get() key=|r| r.id let:rule>
                    <RuleEditor
                        rule=rule
                        path=Signal::derive(move || {
                            let index = rules.get().iter().position(|r| r.id == rule.id).unwrap_or(0);
                            format!("plan.rules[{index}]")
                        })
                        plan_error=Signal::derive(move || checked_plan.get().err())
                        on_remove=Callback::new(move |_| rules.update(|r| r.retain(|x| x.id != rule.id)))/>
                </For>
                <button type="button" on:click=add_rule data-testid="add-rule">"+ "{text(T::AddRule)}</button>
                <p class="field-error" role="alert" data-testid="plan-error">
                    {move || checked_plan.get().err().map(|e| format!("{}: {}", e.field.unwrap_or_default(), e.message))}
                </p>
                <FormError error=error fields=&["currency", "min_payout", "external_id_template", "reversal_statuses", "staff_two_factor_required", "landing_url", "attribution_window_days", "hold_days", "lead_consent_text"]/>
                <button type="submit" class="primary" data-testid="save-program">{text(T::Save)}</button>
                <Show when=move || saved.get()><span class="success" role="status" data-testid="saved">" "{text(T::Saved)}</span></Show>
            </form>
            <div class="stack">
                {
                    let terms = program.terms.clone();
                    later!(program_aside_view(checked_plan, reversals, Signal::derive(currency), terms, on_saved))
                }
            </div>
        </div>
    }
}

/// The plan's error when it names `path` or a field inside it (`plan.rules[0].levels[1]` for a
/// level; `plan.rules[0].on` also for `plan.rules[0].on.deal_status`).
fn error_at(error: Option<ApiError>, path: &str) -> Option<String> {
    let error = error?;
    let field = error.field.as_deref()?;
    let inside = field == path
        || field
            .strip_prefix(path)
            .is_some_and(|rest| rest.starts_with('.'));
    inside.then_some(error.message)
}

/// A rule's inputs; a plan error that names one of them is said next to it. `path` is the
/// rule's place in the plan as the API names it.
#[component]
fn RuleEditor(
    rule: RuleDraft,
    path: Signal<String>,
    plan_error: Signal<Option<ApiError>>,
    on_remove: Callback<()>,
) -> impl IntoView {
    // The message for the part of this rule at `suffix`, e.g. `.levels[1]`.
    let said = move |suffix: String| error_at(plan_error.get(), &format!("{}{suffix}", path.get()));
    // The message for one level or tier, at its place in the list.
    let item_error =
        move |list: &str, index: Option<usize>| said(format!(".{list}[{}]", index.unwrap_or(0)));
    let level_error =
        move |id: u32| item_error("levels", rule.levels.get().iter().position(|l| l.id == id));
    let tier_error =
        move |id: u32| item_error("tiers", rule.tiers.get().iter().position(|t| t.id == id));
    let add_level = move |_| {
        rule.levels
            .update(|l| l.push(level_draft("percent", "5".into())))
    };
    let add_tier = move |_| {
        rule.tiers
            .update(|t| t.push(tier_draft(String::new(), String::new())))
    };
    let status_id = format!("rule-{}-status", rule.id);
    view! {
        <fieldset class="rule" data-testid="rule">
            <legend>{text(T::On)}</legend>
            <div class="row">
                <select aria-label=text(T::On) on:change=move |ev| rule.on.set(event_target_value(&ev)) data-testid="rule-on">
                    <option value="deal_status" selected=move || rule.on.get() == "deal_status">{text(T::DealEnters)}</option>
                    <option value="lead_created" selected=move || rule.on.get() == "lead_created">{text(T::LeadCreated)}</option>
                    <option value="client_registered" selected=move || rule.on.get() == "client_registered">{text(T::ClientRegistered)}</option>
                </select>
                <Show when=move || rule.on.get() == "deal_status">
                    <label class="sr-only" for=status_id.clone()>{text(T::Status)}</label>
                    <input id=status_id.clone() bind:value=rule.status data-testid="rule-status" size="10"
                        aria-invalid=move || said(".on".into()).is_some().to_string()/>
                </Show>
            </div>
            <p class="field-error" role="alert" data-testid="rule-error">{move || said(".on".into())}</p>
            <ol class="levels">
                <For each=move || rule.levels.get() key=|l| l.id let:level>
                    <li data-testid="level">
                        <span class="level">{text(T::Level)}</span>" "
                        <select aria-label=text(T::Kind) on:change=move |ev| level.kind.set(event_target_value(&ev)) data-testid="level-kind">
                            <option value="percent" selected=move || level.kind.get() == "percent">"%"</option>
                            <option value="fixed" selected=move || level.kind.get() == "fixed">{text(T::Fixed)}</option>
                        </select>
                        <input aria-label=text(T::Amount) bind:value=level.value size="8" data-testid="level-value"
                            aria-invalid=move || level_error(level.id).is_some().to_string()/>
                        <button type="button" class="link" aria-label=text(T::Remove) on:click=move |_| rule.levels.update(|l| l.retain(|x| x.id != level.id))>"×"</button>
                        <span class="field-error" role="alert" data-testid="level-error">{move || level_error(level.id)}</span>
                    </li>
                </For>
            </ol>
            <p class="field-error" role="alert">{move || said(".levels".into())}</p>
            <button type="button" on:click=add_level data-testid="add-level">"+ "{text(T::AddLevel)}</button>
            <details open=move || !rule.tiers.get().is_empty()>
                <summary>{text(T::Tiers)}</summary>
                <For each=move || rule.tiers.get() key=|t| t.id let:tier>
                    <div class="row tier">
                        <label>{text(T::TierFrom)}" "<input bind:value=tier.from size="8"/></label>
                        <label>"% "<input bind:value=tier.percent size="6"/></label>
                        <button type="button" class="link" aria-label=text(T::Remove) on:click=move |_| rule.tiers.update(|t| t.retain(|x| x.id != tier.id))>"×"</button>
                        <span class="field-error" role="alert" data-testid="tier-error">{move || tier_error(tier.id)}</span>
                    </div>
                </For>
                <button type="button" on:click=add_tier>"+ "{text(T::AddTier)}</button>
                <p class="field-error" role="alert">{move || said(".tiers".into())}</p>
            </details>
            <button type="button" class="link danger" on:click=move |_| on_remove.run(())>{text(T::RemoveRule)}</button>
        </fieldset>
    }
}

/// The what-if simulator and the terms upload beside the plan editor: a chunk fetched once the
/// editor has shown (the simulator carries its own copy of the walk).
#[cfg_attr(
    not(test),
    leptos::wasm_split::wasm_split(program_aside, wasm_split_path = ::leptos::wasm_split, fallible)
)]
fn program_aside_view(
    plan: Memo<Result<Plan, ApiError>>,
    reversals: RwSignal<String>,
    currency: Signal<Currency>,
    terms: Option<Terms>,
    on_uploaded: Callback<()>,
) -> Result<AnyView, ApiError> {
    Ok(view! {
        <WidgetCard/>
        <Simulator plan=plan reversals=reversals currency=currency/>
        <TermsUpload terms=terms on_uploaded=on_uploaded/>
    }
    .into_any())
}

/// The snippet a tenant pastes into their site: the tracker, a lead form, and where the
/// embedded panel goes.
#[component]
fn WidgetCard() -> impl IntoView {
    let slug = crate::session::session()
        .me
        .get_untracked()
        .and_then(|me| me.ok().flatten())
        .map(|me| me.tenant.slug)
        .unwrap_or_default();
    let origin = window().location().origin().unwrap_or_default();
    let snippet = format!(
        "<script async src=\"{origin}/widget.js\" data-program=\"{slug}\"></script>\n\
         <!-- A lead form where it stands: -->\n<div data-upline-form></div>\n\
         <!-- A partner's panel (a token from POST /v1/embed-tokens, minted by your backend): -->\n\
         <div data-upline-panel data-token=\"…\"></div>"
    );
    view! {
        <section class="card" data-testid="widget-card">
            <h2>{text(T::WidgetSnippet)}</h2>
            <p class="hint">{text(T::WidgetSnippetHint)}</p>
            <textarea readonly rows="6" aria-label=text(T::WidgetSnippet) data-testid="widget-snippet">{snippet}</textarea>
        </section>
    }
}

#[component]
fn Simulator(
    plan: Memo<Result<Plan, ApiError>>,
    reversals: RwSignal<String>,
    currency: Signal<Currency>,
) -> impl IntoView {
    let chain = RwSignal::new("3".to_owned());
    let amount = RwSignal::new("1000.00".to_owned());
    let status = RwSignal::new("won".to_owned());
    let turnover = RwSignal::new("0".to_owned());
    let error = RwSignal::new(None::<ApiError>);
    let result = move || {
        let plan = plan.get().map_err(|e| e.message)?;
        let chain: usize = chain
            .get()
            .trim()
            .parse()
            .map_err(|_| "chain: a whole number".to_owned())?;
        let amount: Decimal = amount
            .get()
            .trim()
            .parse()
            .map_err(|_| "amount: a decimal".to_owned())?;
        let turnover: Decimal = turnover
            .get()
            .trim()
            .parse()
            .map_err(|_| "turnover: a decimal".to_owned())?;
        simulate(
            &plan,
            &statuses_of(&reversals.get()),
            currency.get(),
            chain.min(20),
            amount,
            status.get().trim(),
            turnover,
        )
    };
    view! {
        <section class="card simulator" data-testid="simulator">
            <h2>{text(T::Simulator)}</h2>
            <p class="muted">{text(T::SimulatorHint)}</p>
            <div class="row">
                <Field label=T::ChainLength name="sim_chain" value=chain error=error/>
                <Field label=T::DealAmount name="sim_amount" value=amount error=error/>
            </div>
            <div class="row">
                <Field label=T::DealStatus name="sim_status" value=status error=error/>
                <Field label=T::Turnover name="sim_turnover" value=turnover error=error/>
            </div>
            {move || match result() {
                Err(message) => view! { <p class="form-error" role="alert">{message}</p> }.into_any(),
                Ok(credits) if credits.is_empty() => view! { <p class="empty" data-testid="sim-empty">{text(T::NothingEarned)}</p> }.into_any(),
                Ok(credits) => {
                    let total: Decimal = credits.iter().map(|c| c.amount).sum();
                    let currency = currency.get();
                    view! {
                        <table data-testid="sim-result">
                            <thead><tr>
                                <th scope="col">{text(T::Level)}</th>
                                <th scope="col">{text(T::Rule)}</th>
                                <th scope="col" class="amount">{text(T::Amount)}</th>
                            </tr></thead>
                            <tbody>
                                {credits.into_iter().map(|c| view! {
                                    <tr data-testid="sim-row" data-level=c.level data-amount=c.amount.to_string()>
                                        <td>{c.level}</td><td><code>{c.rule}</code></td>
                                        <td class="amount">{money(Amount(c.amount), currency)}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                            <tfoot><tr>
                                <th scope="row" colspan="2">{text(T::Total)}</th>
                                <td class="amount" data-testid="sim-total">{money(Amount(total), currency)}</td>
                            </tr></tfoot>
                        </table>
                    }.into_any()
                }
            }}
        </section>
    }
}

#[component]
fn TermsUpload(terms: Option<Terms>, on_uploaded: Callback<()>) -> impl IntoView {
    let file = RwSignal::new_local(None::<web_sys::File>);
    let error = RwSignal::new(None::<ApiError>);
    let pick = move |ev: leptos::ev::Event| {
        let input: Option<web_sys::HtmlInputElement> = ev.target().and_then(|t| t.dyn_into().ok());
        file.set(input.and_then(|i| i.files()).and_then(|f| f.get(0)));
    };
    let upload = move |_| {
        let Some(chosen) = file.get_untracked() else {
            return;
        };
        spawn_local(async move {
            match api::put_file::<c::UploadTerms>(&NoParams {}, &chosen).await {
                Ok(_) => on_uploaded.run(()),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <section class="card" data-testid="terms">
            <h2>{text(T::Terms)}</h2>
            {match terms {
                Some(terms) => view! {
                    <p>{text(T::CurrentTerms)}": "<a href=terms.url target="_blank" rel="noopener">{terms.version}</a>" · "{date(&terms.uploaded_at)}</p>
                }.into_any(),
                None => view! { <p class="muted">{text(T::NoTerms)}</p> }.into_any(),
            }}
            <label class="sr-only" for="terms-file">{text(T::UploadTerms)}</label>
            <input id="terms-file" type="file" accept="application/pdf" on:change=pick data-testid="terms-file"/>
            <button type="button" on:click=upload disabled=move || file.with(|f| f.is_none()) data-testid="terms-upload">{text(T::UploadTerms)}</button>
            <FormError error=error fields=&[]/>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    fn dec(text: &str) -> Decimal {
        text.parse().unwrap()
    }

    #[wasm_bindgen_test]
    fn a_plan_error_is_said_at_the_input_it_names_and_nowhere_else() {
        let error = |field: &str| Some(ApiError::invalid(field, "must be positive"));
        let level = "plan.rules[0].levels[1]";
        assert_eq!(
            error_at(error(level), level).as_deref(),
            Some("must be positive")
        );
        assert_eq!(
            error_at(error("plan.rules[0].levels[1]"), "plan.rules[0].levels[10]"),
            None
        );
        assert_eq!(
            error_at(error(level), "plan.rules[0].levels"),
            None,
            "a level is not the list"
        );
        assert_eq!(error_at(error("plan.rules[1].levels[1]"), level), None);
        assert!(error_at(error("plan.rules[0].on.deal_status"), "plan.rules[0].on").is_some());
        assert!(
            error_at(
                error("plan.rules[0].tiers[2].from"),
                "plan.rules[0].tiers[2]"
            )
            .is_some()
        );
        assert_eq!(error_at(None, level), None);
    }

    #[wasm_bindgen_test]
    fn the_simulator_runs_the_servers_walk_over_a_sample_chain() {
        let plan: Plan = serde_json::from_str(
            r#"{"rules":[{"on":{"deal_status":"won"},"levels":[{"percent":"10"},{"percent":"5"},{"fixed":"20.00"}]}]}"#,
        )
        .unwrap();
        let eur: Currency = "EUR".parse().unwrap();
        let credits = simulate(
            &plan,
            &["refunded".into()],
            eur,
            3,
            dec("1234.57"),
            "won",
            Decimal::ZERO,
        )
        .unwrap();
        let figures: Vec<(u32, String)> = credits
            .iter()
            .map(|c| (c.level, c.amount.to_string()))
            .collect();
        assert_eq!(
            figures,
            [
                (1, "123.46".into()),
                (2, "61.73".into()),
                (3, "20.00".into())
            ]
        );
        // A shorter chain pays only the levels that exist; another status earns nothing.
        assert_eq!(
            simulate(&plan, &[], eur, 1, dec("100"), "won", Decimal::ZERO)
                .unwrap()
                .len(),
            1
        );
        assert!(
            simulate(&plan, &[], eur, 3, dec("100"), "lost", Decimal::ZERO)
                .unwrap()
                .is_empty()
        );
    }

    #[wasm_bindgen_test]
    fn tiers_follow_the_turnover_typed_in() {
        let plan: Plan = serde_json::from_str(
            r#"{"rules":[{"on":{"deal_status":"won"},"levels":[{"percent":"10"}],"tiers":[{"from":"0","percent":"10"},{"from":"10000","percent":"12"}]}]}"#,
        )
        .unwrap();
        let eur: Currency = "EUR".parse().unwrap();
        let low = simulate(&plan, &[], eur, 1, dec("100"), "won", dec("500")).unwrap();
        let high = simulate(&plan, &[], eur, 1, dec("100"), "won", dec("10000")).unwrap();
        assert_eq!(
            (low[0].amount.to_string(), high[0].amount.to_string()),
            ("10.00".into(), "12.00".into())
        );
    }
}
