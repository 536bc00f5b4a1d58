//! `GET /openapi.json`, generated from the endpoint declarations and the route list: parameters
//! with their constraints, bodies, and each error code an endpoint answers.

use crate::routes::{ROUTES, Route};
use crate::serve::Reply;
use std::any::TypeId;
use std::collections::BTreeMap;
use upline_contract::endpoint::{BodyKind, schema_of};
use upline_contract::{AnyJson, Endpoint, ErrorCode, Method, NoContent, NotJson};
use utoipa::IntoParams;
use utoipa::openapi::path::{Operation, OperationBuilder, ParameterIn, PathsBuilder};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{ObjectBuilder, SchemaFormat, SchemaType, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{
    ComponentsBuilder, ContentBuilder, HttpMethod, InfoBuilder, KnownFormat, OpenApi,
    OpenApiBuilder, Ref, RefOr, Required, ResponseBuilder, ResponsesBuilder, Schema,
};

pub type Schemas = Vec<(String, RefOr<Schema>)>;

fn json(schema: &str) -> utoipa::openapi::Content {
    ContentBuilder::new()
        .schema(Some(Ref::from_schema_name(schema)))
        .build()
}

fn binary() -> utoipa::openapi::Content {
    ContentBuilder::new()
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary))),
        ))
        .build()
}

fn is<A: 'static, B: 'static>() -> bool {
    TypeId::of::<A>() == TypeId::of::<B>()
}

/// The operation of endpoint `E` served as `route`.
pub fn operation<E: Endpoint>(route: &Route, schemas: &mut Schemas) -> Operation {
    let meta = E::META;
    let body = BodyKind::of::<E::Request>();
    let mut operation = OperationBuilder::new()
        .operation_id(Some(meta.id))
        .summary(Some(meta.summary))
        .description(Some(route.who.describe()));
    let parameters = <E::Path as IntoParams>::into_params(|| Some(ParameterIn::Path))
        .into_iter()
        .chain(<E::Query as IntoParams>::into_params(|| {
            Some(ParameterIn::Query)
        }));
    for parameter in parameters {
        operation = operation.parameter(parameter);
    }
    if body == BodyKind::Json {
        let name = schema_of::<E::Request>(schemas);
        operation = operation.request_body(Some(
            RequestBodyBuilder::new()
                .content("application/json", json(&name))
                .required(Some(Required::True))
                .build(),
        ));
    } else if body == BodyKind::File {
        operation = operation.request_body(Some(
            RequestBodyBuilder::new()
                .content("application/pdf", binary())
                .required(Some(Required::True))
                .build(),
        ));
    }
    let mut success = ResponseBuilder::new().description(meta.summary);
    if is::<E::Response, AnyJson>() {
        success = success.content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(
                    ObjectBuilder::new().schema_type(SchemaType::Type(Type::Object)),
                ))
                .build(),
        );
    } else if is::<E::Response, NotJson>() {
        for media in not_json_media(meta.id) {
            success = success.content(*media, binary());
        }
    } else if !is::<E::Response, NoContent>() {
        success = success.content("application/json", json(&schema_of::<E::Response>(schemas)));
    }
    let mut responses = ResponsesBuilder::new().response(meta.status.to_string(), success);
    if let Some(also) = meta.also {
        responses = responses.response(
            also.to_string(),
            ResponseBuilder::new()
                .description("the same answer, when it existed and changed")
                .content("application/json", json(&schema_of::<E::Response>(schemas))),
        );
    }
    let guarded = !route.who.is_public();
    let mut by_status: BTreeMap<u16, Vec<ErrorCode>> = BTreeMap::new();
    let common = ErrorCode::common_to(&meta, guarded, body)
        .into_iter()
        .map(|code| (code.status(), code));
    let declared = meta.errors.iter().map(|d| (d.status, d.code));
    for (status, code) in common.chain(declared) {
        by_status.entry(status).or_default().push(code);
    }
    let error = schema_of::<upline_contract::ErrorBody>(schemas);
    for (status, codes) in by_status {
        let description = codes
            .iter()
            .map(|code| format!("`{}`: {}", code.code(), code.meaning().trim()))
            .collect::<Vec<_>>()
            .join(" ");
        responses = responses.response(
            status.to_string(),
            ResponseBuilder::new()
                .description(description)
                .content("application/json", json(&error)),
        );
    }
    operation = operation.responses(responses.build());
    if guarded {
        operation = operation.security(SecurityRequirement::new("bearer", Vec::<String>::new()));
    }
    operation.build()
}

pub fn document() -> OpenApi {
    let mut schemas = Schemas::new();
    let mut paths = PathsBuilder::new().build();
    for route in ROUTES {
        let method = match route.meta.method {
            Method::Get => HttpMethod::Get,
            Method::Post => HttpMethod::Post,
            Method::Put => HttpMethod::Put,
            Method::Delete => HttpMethod::Delete,
        };
        let operation = (route.describe)(route, &mut schemas);
        paths.add_path_operation(route.path, vec![method], operation);
    }
    let mut components = ComponentsBuilder::new().security_scheme(
        "bearer",
        SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
    );
    for (name, schema) in schemas {
        components = components.schema(name, schema);
    }
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("Upline API")
                .version("1")
                .description(Some(
                    "Multi-tenant partner and referral programs. Money is a decimal string. \
                     Every error is `{\"error\":{\"code\",\"message\",\"field\"?}}`; a request \
                     field or query parameter the endpoint does not know is a 422 naming it.",
                ))
                .build(),
        )
        .paths(paths)
        .components(Some(components.build()))
        .build()
}

/// The document as `docs/openapi.json` holds it: pretty, with a final newline.
pub fn document_text() -> String {
    let mut text = serde_json::to_string_pretty(&document()).expect("the document serializes");
    text.push('\n');
    text
}

pub async fn serve() -> crate::ApiResult<Reply<upline_contract::OpenApiDocument>> {
    Ok(Reply::raw(axum::Json(document())))
}

/// What an endpoint that answers other than JSON sends.
fn not_json_media(id: &str) -> &'static [&'static str] {
    match id {
        "embed_page" => &["text/html"],
        // The redirect's body says where it goes.
        "follow_referral_link" => &["text/plain"],
        _ => &["image/svg+xml", "image/png"],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_describes_every_route_and_resolves_every_reference() {
        let doc = serde_json::to_value(document()).unwrap();
        for route in ROUTES {
            let method = route.method.as_str().to_lowercase();
            assert!(
                doc["paths"][route.path][&method].is_object(),
                "{} {} missing",
                route.method,
                route.path
            );
        }
        let text = doc.to_string();
        for reference in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
            let name = reference.split('"').next().unwrap();
            assert!(
                doc["components"]["schemas"][name].is_object(),
                "dangling reference to {name}"
            );
        }
    }

    #[test]
    fn path_and_query_parameters_have_schemas() {
        let doc = serde_json::to_value(document()).unwrap();
        let entries = &doc["paths"]["/v1/partners/{id}/wallet/entries"]["get"]["parameters"];
        let names: Vec<_> = entries
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p["name"].as_str().unwrap(), p["in"].as_str().unwrap()))
            .collect();
        assert_eq!(
            names,
            [("id", "path"), ("cursor", "query"), ("limit", "query")]
        );
        assert_eq!(entries[0]["schema"]["pattern"], "^[A-Za-z0-9._:-]{1,128}$");
        assert_eq!(entries[2]["schema"]["maximum"], 100);
    }

    #[test]
    fn each_declared_error_code_is_documented_under_its_status() {
        let doc = serde_json::to_value(document()).unwrap();
        let responses = &doc["paths"]["/v1/payouts"]["post"]["responses"];
        assert!(
            responses["409"]["description"]
                .as_str()
                .unwrap()
                .contains("`payout_open`")
        );
        assert!(
            responses["422"]["description"]
                .as_str()
                .unwrap()
                .contains("`below_minimum`")
        );
    }
}
