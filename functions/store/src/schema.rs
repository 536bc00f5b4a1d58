//! The table, defined once: the local cloud and the tests create it from here, and the SAM
//! template is checked against it.

use crate::StoreError;
use crate::keys::{DUE, DUE_AT, DUE_PK, GSI1, GSI1_PK, GSI1_SK, PK, SK, TREE, TREE_PATH, TREE_PK};
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, CreateGlobalSecondaryIndexAction, GlobalSecondaryIndex,
    GlobalSecondaryIndexUpdate, KeySchemaElement, KeyType, Projection, ProjectionType,
    ScalarAttributeType, StreamSpecification, StreamViewType, TableStatus, TimeToLiveSpecification,
};
use std::time::Duration;

/// A global secondary index: name, partition key attribute, sort key attribute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IndexSpec {
    pub name: &'static str,
    pub pk: &'static str,
    pub sk: &'static str,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TableSpec {
    pub pk: &'static str,
    pub sk: &'static str,
    pub indexes: &'static [IndexSpec],
    /// New and old images: the walk reads the new one, later consumers may diff.
    pub stream_view: &'static str,
    /// Items with this attribute (unix seconds) are removed by DynamoDB once it passes: email
    /// tokens. Code never relies on the removal (it checks expiry itself).
    pub ttl_attribute: &'static str,
}

pub const TABLE: TableSpec = TableSpec {
    pk: PK,
    sk: SK,
    indexes: &[
        // Lists per tenant: partners, deals, API keys (newest last by a time-first sort key).
        IndexSpec {
            name: GSI1,
            pk: GSI1_PK,
            sk: GSI1_SK,
        },
        // The partner tree: the downline of X is a `begins_with(X's path)` query.
        IndexSpec {
            name: TREE,
            pk: TREE_PK,
            sk: TREE_PATH,
        },
        // Deliveries waiting for a retry, by when they are due (sparse: only those have it).
        IndexSpec {
            name: DUE,
            pk: DUE_PK,
            sk: DUE_AT,
        },
    ],
    ttl_attribute: "expires_at",
    stream_view: "NEW_AND_OLD_IMAGES",
};

fn key_schema(pk: &str, sk: &str) -> Result<Vec<KeySchemaElement>, StoreError> {
    let element = |name: &str, key_type| {
        KeySchemaElement::builder()
            .attribute_name(name)
            .key_type(key_type)
            .build()
            .map_err(StoreError::build)
    };
    Ok(vec![
        element(pk, KeyType::Hash)?,
        element(sk, KeyType::Range)?,
    ])
}

/// Creates the table (on-demand, stream on) and waits until it is active.
pub async fn create_table(client: &Client, table: &str) -> Result<(), StoreError> {
    let mut attributes = vec![TABLE.pk, TABLE.sk];
    for index in TABLE.indexes {
        attributes.extend([index.pk, index.sk]);
    }
    let mut request = client
        .create_table()
        .table_name(table)
        .billing_mode(BillingMode::PayPerRequest)
        .set_key_schema(Some(key_schema(TABLE.pk, TABLE.sk)?))
        .stream_specification(
            StreamSpecification::builder()
                .stream_enabled(true)
                .stream_view_type(StreamViewType::from(TABLE.stream_view))
                .build()
                .map_err(StoreError::build)?,
        );
    for name in attributes {
        request = request.attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .map_err(StoreError::build)?,
        );
    }
    for index in TABLE.indexes {
        request = request.global_secondary_indexes(global_index(index)?);
    }
    request.send().await.map_err(StoreError::sdk)?;
    for _ in 0..300 {
        let described = client
            .describe_table()
            .table_name(table)
            .send()
            .await
            .map_err(StoreError::sdk)?;
        if described.table().and_then(|t| t.table_status()) == Some(&TableStatus::Active) {
            client
                .update_time_to_live()
                .table_name(table)
                .time_to_live_specification(
                    TimeToLiveSpecification::builder()
                        .attribute_name(TABLE.ttl_attribute)
                        .enabled(true)
                        .build()
                        .map_err(StoreError::build)?,
                )
                .send()
                .await
                .map_err(StoreError::sdk)?;
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(StoreError::Unavailable(format!(
        "table {table} did not become active"
    )))
}

/// Indexes carry whole items: every read through one needs the item, not a key to fetch it by.
fn all_attributes() -> Projection {
    Projection::builder()
        .projection_type(ProjectionType::All)
        .build()
}

fn global_index(index: &IndexSpec) -> Result<GlobalSecondaryIndex, StoreError> {
    GlobalSecondaryIndex::builder()
        .index_name(index.name)
        .set_key_schema(Some(key_schema(index.pk, index.sk)?))
        .projection(all_attributes())
        .build()
        .map_err(StoreError::build)
}

/// Adds the indexes a table made by an older version lacks (a `make dev` data dir kept across
/// upgrades), one at a time as DynamoDB requires, and waits for each to become active.
pub async fn add_missing_indexes(
    client: &Client,
    table: &str,
) -> Result<Vec<&'static str>, StoreError> {
    let described = client
        .describe_table()
        .table_name(table)
        .send()
        .await
        .map_err(StoreError::sdk)?;
    let present: Vec<String> = described
        .table()
        .map(|t| t.global_secondary_indexes())
        .unwrap_or_default()
        .iter()
        .filter_map(|index| index.index_name().map(str::to_owned))
        .collect();
    let mut added = Vec::new();
    for index in TABLE.indexes {
        if present.iter().any(|name| name == index.name) {
            continue;
        }
        let mut request = client
            .update_table()
            .table_name(table)
            .global_secondary_index_updates(
                GlobalSecondaryIndexUpdate::builder()
                    .create(
                        CreateGlobalSecondaryIndexAction::builder()
                            .index_name(index.name)
                            .set_key_schema(Some(key_schema(index.pk, index.sk)?))
                            .projection(all_attributes())
                            .build()
                            .map_err(StoreError::build)?,
                    )
                    .build(),
            );
        for name in [index.pk, index.sk] {
            request = request.attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name(name)
                    .attribute_type(ScalarAttributeType::S)
                    .build()
                    .map_err(StoreError::build)?,
            );
        }
        request.send().await.map_err(StoreError::sdk)?;
        for _ in 0..600 {
            let described = client
                .describe_table()
                .table_name(table)
                .send()
                .await
                .map_err(StoreError::sdk)?;
            let active = described.table().is_some_and(|t| {
                t.table_status() == Some(&TableStatus::Active)
                    && t.global_secondary_indexes().iter().all(|i| {
                        i.index_status() == Some(&aws_sdk_dynamodb::types::IndexStatus::Active)
                    })
            });
            if active {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        added.push(index.name);
    }
    Ok(added)
}

pub async fn table_exists(client: &Client, table: &str) -> Result<bool, StoreError> {
    match client.describe_table().table_name(table).send().await {
        Ok(_) => Ok(true),
        Err(err)
            if err
                .as_service_error()
                .is_some_and(|e| e.is_resource_not_found_exception()) =>
        {
            Ok(false)
        }
        Err(err) => Err(StoreError::sdk(err)),
    }
}

/// The stream ARN of the table (the poller and the SAM template's event source use it).
pub async fn stream_arn(client: &Client, table: &str) -> Result<Option<String>, StoreError> {
    let described = client
        .describe_table()
        .table_name(table)
        .send()
        .await
        .map_err(StoreError::sdk)?;
    Ok(described
        .table()
        .and_then(|t| t.latest_stream_arn())
        .map(str::to_owned))
}
