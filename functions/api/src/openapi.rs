//! `GET /openapi.json`, generated from the route list and the contract's types.

use crate::routes::ROUTES;
use axum::Json;
use utoipa::openapi::path::{OperationBuilder, ParameterBuilder, ParameterIn, PathsBuilder};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{
    ComponentsBuilder, ContentBuilder, HttpMethod, InfoBuilder, OpenApi, OpenApiBuilder, Ref,
    RefOr, Required, ResponseBuilder, ResponsesBuilder, Schema,
};
use utoipa::{PartialSchema, ToSchema};

pub type Schemas = Vec<(String, RefOr<Schema>)>;

/// Registers a type's schema (and those it refers to) and returns its name.
pub type SchemaFn = fn(&mut Schemas) -> String;

pub fn schema_of<T: ToSchema>(schemas: &mut Schemas) -> String {
    T::schemas(schemas);
    let name = T::name().into_owned();
    schemas.push((name.clone(), <T as PartialSchema>::schema()));
    name
}

fn json(schema: &str) -> utoipa::openapi::Content {
    ContentBuilder::new()
        .schema(Some(Ref::from_schema_name(schema)))
        .build()
}

pub fn document() -> OpenApi {
    let mut schemas = Schemas::new();
    let error = schema_of::<upline_contract::ErrorBody>(&mut schemas);
    let mut paths = PathsBuilder::new().build();
    for route in ROUTES {
        let method = match route.method.as_str() {
            "GET" => HttpMethod::Get,
            "POST" => HttpMethod::Post,
            "PUT" => HttpMethod::Put,
            "DELETE" => HttpMethod::Delete,
            _ => HttpMethod::Patch,
        };
        let mut operation = OperationBuilder::new()
            .operation_id(Some(route.id))
            .summary(Some(route.summary))
            .description(Some(route.who.describe()));
        for segment in route.path.split('/').filter(|s| s.starts_with('{')) {
            let name = segment.trim_matches(|c| c == '{' || c == '}');
            operation = operation.parameter(
                ParameterBuilder::new()
                    .name(name)
                    .parameter_in(ParameterIn::Path)
                    .required(Required::True),
            );
        }
        if let Some(request) = route.request {
            let name = request(&mut schemas);
            operation = operation.request_body(Some(
                RequestBodyBuilder::new()
                    .content("application/json", json(&name))
                    .required(Some(Required::True))
                    .build(),
            ));
        }
        let mut success = ResponseBuilder::new().description("success");
        if let Some(response) = route.response {
            success = success.content("application/json", json(&response(&mut schemas)));
        }
        let failure = ResponseBuilder::new()
            .description("error, see `code` and `field`")
            .content("application/json", json(&error));
        operation = operation.responses(
            ResponsesBuilder::new()
                .response(route.status.to_string(), success)
                .response("4XX", failure)
                .build(),
        );
        if !route.who.is_public() {
            operation =
                operation.security(SecurityRequirement::new("bearer", Vec::<String>::new()));
        }
        paths.add_path_operation(route.path, vec![method], operation.build());
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
                    "Multi-tenant partner and referral programs. Money is a decimal string.",
                ))
                .build(),
        )
        .paths(paths)
        .components(Some(components.build()))
        .build()
}

pub async fn serve() -> Json<OpenApi> {
    Json(document())
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
}
