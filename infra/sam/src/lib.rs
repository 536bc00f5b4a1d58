//! The SAM template, generated: `cargo run -p upline-sam` writes `infra/template.yaml`.
//!
//! Everything that must agree with the code is read from it: the HTTP API routes and one
//! function per route from `upline_api::routes::ROUTES`, each function's IAM policy from the
//! route's `iam` declaration (which a test checks against what the handler really does), the
//! stream function's policy from `STREAM_IAM`, and the table from `upline_store::schema::TABLE`.
//! A test fails when the file on disk is not what this generates.

use serde_json::{Map, Value, json};
use upline_api::routes::{Iam, KEY_USE_IAM, ROUTES, STREAM_IAM, TERMS_WRITERS, Who};
use upline_store::schema::TABLE;

/// Item types whose INSERT the stream handler acts on (the walk, deliveries, webhook events);
/// everything else is filtered out before it is invoked.
pub const STREAM_ENTITIES: [&str; 6] = [
    "transition",
    "outbox",
    "webhook_delivery",
    "lead",
    "entry",
    "payout",
];
/// Item types whose MODIFY it acts on: a payout paid or rejected is a webhook event.
pub const STREAM_MODIFIED_ENTITIES: [&str; 1] = ["payout"];

/// The certificate parameters default to "" and are used only under a condition that they are
/// set; cfn-lint checks the default against the ARN pattern anyway (W1030).
fn certificate_lint() -> Value {
    json!({"cfn-lint": {"config": {"ignore_checks": ["W1030"]}}})
}

/// The viewer-request function of the portal's files: a path with no file extension is a route
/// of the single-page app, answered with `index.html` (the router loads the page's chunks).
pub const PORTAL_ROUTES_JS: &str = "function handler(event) {\n  var request = event.request;\n  var last = request.uri.split('/').pop();\n  if (last.indexOf('.') === -1) { request.uri = '/index.html'; }\n  return request;\n}\n";

/// `create_tenant` → `CreateTenantFunction`.
pub fn function_name(route_id: &str) -> String {
    let camel: String = route_id
        .split('_')
        .map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect();
    format!("{camel}Function")
}

fn table() -> Value {
    let mut attributes = vec![TABLE.pk, TABLE.sk];
    for index in TABLE.indexes {
        attributes.extend([index.pk, index.sk]);
    }
    let key_schema = |pk: &str, sk: &str| json!([{"AttributeName": pk, "KeyType": "HASH"}, {"AttributeName": sk, "KeyType": "RANGE"}]);
    json!({
        "Type": "AWS::DynamoDB::Table",
        "DeletionPolicy": "Retain",
        "UpdateReplacePolicy": "Retain",
        "Properties": {
            "BillingMode": "PAY_PER_REQUEST",
            "DeletionProtectionEnabled": true,
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": true},
            "SSESpecification": {"SSEEnabled": true},
            "StreamSpecification": {"StreamViewType": TABLE.stream_view},
            "TimeToLiveSpecification": {"AttributeName": TABLE.ttl_attribute, "Enabled": true},
            "AttributeDefinitions": attributes.iter().map(|a| json!({"AttributeName": a, "AttributeType": "S"})).collect::<Vec<_>>(),
            "KeySchema": key_schema(TABLE.pk, TABLE.sk),
            "GlobalSecondaryIndexes": TABLE.indexes.iter().map(|index| json!({
                "IndexName": index.name,
                "KeySchema": key_schema(index.pk, index.sk),
                "Projection": {"ProjectionType": "ALL"},
            })).collect::<Vec<_>>(),
        }
    })
}

/// The table statement of a function: its actions, only on keys of its families.
fn table_statement(iam: &Iam) -> Value {
    let mut resources = vec![json!({"Fn::GetAtt": ["Table", "Arn"]})];
    if iam.actions.contains(&"dynamodb:Query") {
        resources.push(json!({"Fn::Sub": "${Table.Arn}/index/*"}));
    }
    let actions: Vec<&str> = iam
        .actions
        .iter()
        .copied()
        .filter(|action| action.starts_with("dynamodb:"))
        .collect();
    json!({
        "Effect": "Allow",
        "Action": actions,
        "Resource": resources,
        "Condition": {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": iam.keys}},
    })
}

/// A function's use of the sealing key (`kms:GenerateDataKey` to seal a secret, `kms:Decrypt`
/// to open one), only for data keys made for Upline; `None` when it touches no secret.
fn sealing_statement(iam: &Iam) -> Option<Value> {
    let actions: Vec<&str> = iam
        .actions
        .iter()
        .copied()
        .filter(|action| action.starts_with("kms:"))
        .collect();
    (!actions.is_empty()).then(|| {
        json!({
            "Effect": "Allow",
            "Action": actions,
            "Resource": {"Fn::GetAtt": ["SealingKey", "Arn"]},
            "Condition": {"StringEquals": {"kms:EncryptionContext:app": "upline"}},
        })
    })
}

/// API Gateway's limits of the public routes a tenant's visitors reach (per route, for every
/// client together): far above one site's traffic, below what would cost the table.
fn public_route_throttles() -> Value {
    let mut settings = serde_json::Map::new();
    for route in ROUTES
        .iter()
        .filter(|r| r.who == Who::Widget || r.id == "follow_referral_link")
    {
        settings.insert(
            format!("{} {}", route.method, route.path),
            json!({"ThrottlingBurstLimit": 200, "ThrottlingRateLimit": 100}),
        );
    }
    Value::Object(settings)
}

fn function(
    binary: &str,
    description: &str,
    environment: Value,
    statements: Vec<Value>,
    events: Value,
) -> Value {
    json!({
        "Type": "AWS::Serverless::Function",
        "Metadata": {"BuildMethod": "rust-cargolambda", "BuildProperties": {"Binary": binary}},
        "Properties": {
            "CodeUri": "..",
            "Description": description,
            "Environment": {"Variables": environment},
            "Policies": [{"Statement": statements}],
            "Events": events,
        }
    })
}

fn errors_alarm(function: &str) -> Value {
    json!({
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {
            "AlarmDescription": format!("{function} failed in the last 5 minutes"),
            "Namespace": "AWS/Lambda",
            "MetricName": "Errors",
            "Dimensions": [{"Name": "FunctionName", "Value": {"Ref": function}}],
            "Statistic": "Sum",
            "Period": 300,
            "EvaluationPeriods": 1,
            "Threshold": 1,
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            "TreatMissingData": "notBreaching",
            "AlarmActions": [{"Ref": "AlarmTopic"}],
        }
    })
}

/// The whole template as a JSON value.
pub fn template() -> Value {
    let mut resources = Map::new();
    resources.insert("Table".into(), table());
    resources.insert(
        "SessionKey".into(),
        json!({
            "Type": "AWS::SecretsManager::Secret",
            "Properties": {
                "Description": "Signs Upline session tokens (HMAC-SHA256). Rotating it logs everyone out.",
                "GenerateSecretString": {"PasswordLength": 64, "ExcludePunctuation": true},
            }
        }),
    );
    resources.insert(
        "SealingKey".into(),
        json!({
            "Type": "AWS::KMS::Key",
            // Deleting the stack must not destroy the key: every sealed secret would be lost.
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": {
                "Description": "Wraps the data keys that seal Upline's webhook and TOTP secrets at rest",
                "EnableKeyRotation": true,
                "KeyPolicy": {"Version": "2012-10-17", "Statement": [{
                    "Sid": "The account administers the key; functions get use through their own policies",
                    "Effect": "Allow",
                    "Principal": {"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}},
                    "Action": "kms:*",
                    "Resource": "*",
                }]},
            }
        }),
    );
    resources.insert(
        "HttpApi".into(),
        json!({
            "Type": "AWS::Serverless::HttpApi",
            // No CORS here: the portal reaches the API on its own domain, through CloudFront's
            // /v1/*; the widget's capture endpoints answer their own preflights, per program.
            // API Gateway throttles the public routes before any function runs (the functions'
            // own per-address throttles then count what gets through).
            "Properties": {
                "RouteSettings": public_route_throttles(),
            }
        }),
    );
    // The custom API domain, only when one is given (SAM's `Domain` cannot be conditional).
    resources.insert(
        "ApiDomain".into(),
        json!({"Type": "AWS::ApiGatewayV2::DomainName", "Condition": "HasApiDomain", "Metadata": certificate_lint(), "Properties": {
            "DomainName": {"Ref": "ApiDomainName"},
            "DomainNameConfigurations": [{"CertificateArn": {"Ref": "ApiCertificateArn"}, "EndpointType": "REGIONAL", "SecurityPolicy": "TLS_1_2"}],
        }}),
    );
    resources.insert(
        "ApiDomainMapping".into(),
        json!({"Type": "AWS::ApiGatewayV2::ApiMapping", "Condition": "HasApiDomain", "Properties": {
            "DomainName": {"Ref": "ApiDomain"}, "ApiId": {"Ref": "HttpApi"}, "Stage": "$default",
        }}),
    );
    for route in ROUTES {
        let name = function_name(route.id);
        let mut statements = Vec::new();
        if !route.iam.actions.is_empty() {
            statements.push(table_statement(&route.iam));
        }
        if route.admits_keys() {
            statements.push(table_statement(&KEY_USE_IAM));
        }
        if let Some(statement) = sealing_statement(&route.iam) {
            statements.push(statement);
        }
        if TERMS_WRITERS.contains(&route.id) {
            statements.push(json!({"Effect": "Allow", "Action": ["s3:PutObject"],
                "Resource": {"Fn::Sub": "${TermsBucket.Arn}/terms/*"}}));
        }
        if statements.is_empty() {
            // A function with no table access still needs a well-formed policy document.
            statements.push(
                json!({"Effect": "Allow", "Action": ["logs:CreateLogStream"], "Resource": "*"}),
            );
        }
        let mut events = json!({"Api": {"Type": "HttpApi", "Properties": {
            "ApiId": {"Ref": "HttpApi"}, "Method": route.method.as_str(), "Path": route.path,
        }}});
        if route.who == Who::Widget {
            // A tenant's page asks first whether it may post JSON here.
            events["Preflight"] = json!({"Type": "HttpApi", "Properties": {
                "ApiId": {"Ref": "HttpApi"}, "Method": "OPTIONS", "Path": route.path,
            }});
        }
        let mut environment = json!({"UPLINE_ROUTE": route.id});
        if route.id == "embed_page" {
            // The portal's index.html, which the panel's page answers with (`make deploy`
            // passes dist/index.html).
            environment["UPLINE_PORTAL_SHELL"] = json!({"Ref": "PortalShell"});
        }
        resources.insert(
            name.clone(),
            // The terms route is its own binary: the only one that links the S3 SDK.
            function(
                if TERMS_WRITERS.contains(&route.id) {
                    "upline-terms"
                } else {
                    "upline-api"
                },
                route.summary,
                environment,
                statements,
                events,
            ),
        );
        resources.insert(format!("{name}ErrorsAlarm"), errors_alarm(&name));
    }

    let inserted = json!({"eventName": ["INSERT"], "dynamodb": {"NewImage": {"entity": {"S": STREAM_ENTITIES}}}});
    let modified = json!({"eventName": ["MODIFY"], "dynamodb": {"NewImage": {"entity": {"S": STREAM_MODIFIED_ENTITIES}}}});
    let mut stream_statements = vec![
        table_statement(&STREAM_IAM),
        json!({"Effect": "Allow", "Action": ["sqs:SendMessage"], "Resource": {"Fn::GetAtt": ["StreamDeadLetters", "Arn"]}}),
        json!({"Effect": "Allow", "Action": ["ses:SendEmail", "ses:SendRawEmail"], "Resource": "*",
               "Condition": {"StringEquals": {"ses:FromAddress": {"Ref": "NotificationSender"}}}}),
        json!({"Effect": "Allow", "Action": ["sns:Publish"], "NotResource": "arn:aws:sns:*:*:*"}),
    ];
    // It opens webhook secrets to sign deliveries.
    stream_statements.extend(sealing_statement(&STREAM_IAM));
    let stream_events = json!({"TableStream": {"Type": "DynamoDB", "Properties": {
        "Stream": {"Fn::GetAtt": ["Table", "StreamArn"]},
        "StartingPosition": "TRIM_HORIZON",
        "BatchSize": 100,
        "MaximumBatchingWindowInSeconds": 1,
        "ParallelizationFactor": 1,
        "BisectBatchOnFunctionError": true,
        "MaximumRetryAttempts": 10,
        "MaximumRecordAgeInSeconds": 21600,
        "FunctionResponseTypes": ["ReportBatchItemFailures"],
        "FilterCriteria": {"Filters": [{"Pattern": inserted.to_string()}, {"Pattern": modified.to_string()}]},
        "DestinationConfig": {"OnFailure": {"Type": "SQS", "Destination": {"Fn::GetAtt": ["StreamDeadLetters", "Arn"]}}},
    }},
    // Failed emails and webhooks wait on the `due` index; this retries them when their time comes.
    "SweepDue": {"Type": "ScheduleV2", "Properties": {
        "ScheduleExpression": "rate(1 minute)",
        "Description": "Retry due email, SMS and webhook deliveries",
    }}});
    // Links in emails must be absolute. The stream function is not behind the distribution, so
    // unlike the API functions it may name the distribution's domain without a cycle.
    let stream_environment = json!({
        "UPLINE_NOTIFICATION_SENDER": {"Ref": "NotificationSender"},
        "UPLINE_PORTAL_URL": {"Fn::If": ["HasPortalDomain", {"Fn::Sub": "https://${PortalDomainName}"}, {"Fn::Sub": "https://${PortalDistribution.DomainName}"}]},
    });
    let mut stream = function(
        "upline-stream",
        "The commission walk and outbox delivery, from the table's stream",
        stream_environment,
        stream_statements,
        stream_events,
    );
    stream["Properties"]["Timeout"] = json!(60);
    resources.insert("StreamFunction".into(), stream);
    resources.insert(
        "StreamFunctionErrorsAlarm".into(),
        errors_alarm("StreamFunction"),
    );
    resources.insert(
        "StreamDeadLetters".into(),
        json!({"Type": "AWS::SQS::Queue", "Properties": {"MessageRetentionPeriod": 1_209_600, "SqsManagedSseEnabled": true}}),
    );
    resources.insert(
        "StreamDeadLettersAlarm".into(),
        json!({"Type": "AWS::CloudWatch::Alarm", "Properties": {
            "AlarmDescription": "Stream batches gave up after their retries: commissions wait for an operator",
            "Namespace": "AWS/SQS", "MetricName": "ApproximateNumberOfMessagesVisible",
            "Dimensions": [{"Name": "QueueName", "Value": {"Fn::GetAtt": ["StreamDeadLetters", "QueueName"]}}],
            "Statistic": "Maximum", "Period": 60, "EvaluationPeriods": 1, "Threshold": 1,
            "ComparisonOperator": "GreaterThanOrEqualToThreshold", "TreatMissingData": "notBreaching",
            "AlarmActions": [{"Ref": "AlarmTopic"}],
        }}),
    );
    resources.insert(
        "StreamIteratorAgeAlarm".into(),
        json!({"Type": "AWS::CloudWatch::Alarm", "Properties": {
            "AlarmDescription": "The commission walk lags the table's stream by more than a minute",
            "Namespace": "AWS/Lambda", "MetricName": "IteratorAge",
            "Dimensions": [{"Name": "FunctionName", "Value": {"Ref": "StreamFunction"}}],
            "Statistic": "Maximum", "Period": 60, "EvaluationPeriods": 5, "Threshold": 60000,
            "ComparisonOperator": "GreaterThanThreshold", "TreatMissingData": "notBreaching",
            "AlarmActions": [{"Ref": "AlarmTopic"}],
        }}),
    );
    resources.insert(
        "AlarmTopic".into(),
        json!({"Type": "AWS::SNS::Topic", "Properties": {
            "Subscription": {"Fn::If": ["HasAlarmEmail", [{"Protocol": "email", "Endpoint": {"Ref": "AlarmEmail"}}], {"Ref": "AWS::NoValue"}]},
        }}),
    );

    let private_bucket = |versioned: bool| {
        json!({"Type": "AWS::S3::Bucket", "Properties": {
            "PublicAccessBlockConfiguration": {"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true},
            "BucketEncryption": {"ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]},
            "VersioningConfiguration": {"Status": if versioned { "Enabled" } else { "Suspended" }},
        }})
    };
    resources.insert("PortalBucket".into(), private_bucket(false));
    resources.insert("TermsBucket".into(), private_bucket(true));
    resources.insert(
        "PortalOriginAccessControl".into(),
        json!({"Type": "AWS::CloudFront::OriginAccessControl", "Properties": {"OriginAccessControlConfig": {
            "Name": {"Fn::Sub": "${AWS::StackName}-portal"}, "OriginAccessControlOriginType": "s3",
            "SigningBehavior": "always", "SigningProtocol": "sigv4",
        }}}),
    );
    resources.insert(
        "PortalBucketPolicy".into(),
        json!({"Type": "AWS::S3::BucketPolicy", "Properties": {
            "Bucket": {"Ref": "PortalBucket"},
            "PolicyDocument": {"Statement": [{
                "Effect": "Allow", "Principal": {"Service": "cloudfront.amazonaws.com"},
                "Action": "s3:GetObject", "Resource": {"Fn::Sub": "${PortalBucket.Arn}/*"},
                "Condition": {"StringEquals": {"AWS:SourceArn": {"Fn::Sub": "arn:aws:cloudfront::${AWS::AccountId}:distribution/${PortalDistribution}"}}},
            }]},
        }}),
    );
    // Terms PDFs are public to whoever has the link (people read them before joining).
    resources.insert(
        "TermsBucketPolicy".into(),
        json!({"Type": "AWS::S3::BucketPolicy", "Properties": {
            "Bucket": {"Ref": "TermsBucket"},
            "PolicyDocument": {"Statement": [{
                "Effect": "Allow", "Principal": {"Service": "cloudfront.amazonaws.com"},
                "Action": "s3:GetObject", "Resource": {"Fn::Sub": "${TermsBucket.Arn}/terms/*"},
                "Condition": {"StringEquals": {"AWS:SourceArn": {"Fn::Sub": "arn:aws:cloudfront::${AWS::AccountId}:distribution/${PortalDistribution}"}}},
            }]},
        }}),
    );
    // One domain for the portal, widget.js and the API: /v1/* goes to the HTTP API uncached.
    let caching_disabled = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad";
    let all_viewer_except_host = "b689b0a8-53d0-40ab-baf2-68738e2966ac";
    let caching_optimized = "658327ea-f89d-4fab-a63d-7e88639e58f6";
    // Security headers at the edge (upline_api::headers is the one source): the portal's CSP
    // on its files; HSTS, nosniff, the referrer policy and no framing on everything. The API's
    // own CSP passes through (Override false); the terms PDFs get none.
    let security_headers = |csp: Option<&str>| {
        let mut config = json!({
            "StrictTransportSecurity": {"AccessControlMaxAgeSec": 63_072_000, "IncludeSubdomains": true, "Override": true},
            "ContentTypeOptions": {"Override": true},
            "ReferrerPolicy": {"ReferrerPolicy": upline_api::headers::REFERRER_POLICY, "Override": true},
            "FrameOptions": {"FrameOption": "DENY", "Override": true},
        });
        if let Some(csp) = csp {
            config["ContentSecurityPolicy"] =
                json!({"ContentSecurityPolicy": csp, "Override": true});
        }
        config
    };
    resources.insert(
        "PortalHeadersPolicy".into(),
        json!({"Type": "AWS::CloudFront::ResponseHeadersPolicy", "Properties": {"ResponseHeadersPolicyConfig": {
            "Name": {"Fn::Sub": "${AWS::StackName}-portal"},
            "SecurityHeadersConfig": security_headers(Some(upline_api::headers::PORTAL_CSP)),
        }}}),
    );
    resources.insert(
        "DocumentHeadersPolicy".into(),
        json!({"Type": "AWS::CloudFront::ResponseHeadersPolicy", "Properties": {"ResponseHeadersPolicyConfig": {
            "Name": {"Fn::Sub": "${AWS::StackName}-documents"},
            "SecurityHeadersConfig": security_headers(None),
        }}}),
    );
    // The panel's page is framed by tenants' sites: its own CSP (frame-ancestors from the
    // program) passes through, and no X-Frame-Options.
    resources.insert(
        "EmbedHeadersPolicy".into(),
        json!({"Type": "AWS::CloudFront::ResponseHeadersPolicy", "Properties": {"ResponseHeadersPolicyConfig": {
            "Name": {"Fn::Sub": "${AWS::StackName}-embed"},
            "SecurityHeadersConfig": {
                "StrictTransportSecurity": {"AccessControlMaxAgeSec": 63_072_000, "IncludeSubdomains": true, "Override": true},
                "ContentTypeOptions": {"Override": true},
                "ReferrerPolicy": {"ReferrerPolicy": upline_api::headers::REFERRER_POLICY, "Override": true},
            },
        }}}),
    );
    // widget.js under its short-cached name (a deploy reaches sites within minutes); the
    // versioned copies under /widget/ are immutable and cached with the portal's files.
    resources.insert(
        "WidgetCachePolicy".into(),
        json!({"Type": "AWS::CloudFront::CachePolicy", "Properties": {"CachePolicyConfig": {
            "Name": {"Fn::Sub": "${AWS::StackName}-widget"},
            "DefaultTTL": 300, "MaxTTL": 300, "MinTTL": 0,
            "ParametersInCacheKeyAndForwardedToOrigin": {
                "EnableAcceptEncodingGzip": true, "EnableAcceptEncodingBrotli": true,
                "CookiesConfig": {"CookieBehavior": "none"}, "HeadersConfig": {"HeaderBehavior": "none"},
                "QueryStringsConfig": {"QueryStringBehavior": "none"},
            },
        }}}),
    );
    let portal_headers = json!({"Ref": "PortalHeadersPolicy"});
    let document_headers = json!({"Ref": "DocumentHeadersPolicy"});
    resources.insert(
        "PortalDistribution".into(),
        json!({"Type": "AWS::CloudFront::Distribution", "Metadata": certificate_lint(), "Properties": {"DistributionConfig": {
            "Enabled": true,
            "HttpVersion": "http2and3",
            "DefaultRootObject": "index.html",
            "Aliases": {"Fn::If": ["HasPortalDomain", [{"Ref": "PortalDomainName"}], {"Ref": "AWS::NoValue"}]},
            "ViewerCertificate": {"Fn::If": ["HasPortalDomain",
                {"AcmCertificateArn": {"Ref": "PortalCertificateArn"}, "SslSupportMethod": "sni-only", "MinimumProtocolVersion": "TLSv1.2_2021"},
                {"CloudFrontDefaultCertificate": true}]},
            "Origins": [
                {"Id": "portal", "DomainName": {"Fn::GetAtt": ["PortalBucket", "RegionalDomainName"]},
                 "OriginAccessControlId": {"Fn::GetAtt": ["PortalOriginAccessControl", "Id"]},
                 "S3OriginConfig": {"OriginAccessIdentity": ""}},
                {"Id": "terms", "DomainName": {"Fn::GetAtt": ["TermsBucket", "RegionalDomainName"]},
                 "OriginAccessControlId": {"Fn::GetAtt": ["PortalOriginAccessControl", "Id"]},
                 "S3OriginConfig": {"OriginAccessIdentity": ""}},
                {"Id": "api", "DomainName": {"Fn::Sub": "${HttpApi}.execute-api.${AWS::Region}.amazonaws.com"},
                 "CustomOriginConfig": {"OriginProtocolPolicy": "https-only", "OriginSSLProtocols": ["TLSv1.2"]}},
            ],
            "DefaultCacheBehavior": {"TargetOriginId": "portal", "ViewerProtocolPolicy": "redirect-to-https", "CachePolicyId": caching_optimized, "Compress": true,
                "ResponseHeadersPolicyId": portal_headers,
                "FunctionAssociations": [{"EventType": "viewer-request", "FunctionARN": {"Fn::GetAtt": ["PortalRoutesFunction", "FunctionARN"]}}]},
            "CacheBehaviors": [{"PathPattern": "/v1/*", "TargetOriginId": "api", "ViewerProtocolPolicy": "https-only",
                "AllowedMethods": ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"],
                "CachePolicyId": caching_disabled, "OriginRequestPolicyId": all_viewer_except_host,
                "ResponseHeadersPolicyId": document_headers},
                {"PathPattern": "/terms/*", "TargetOriginId": "terms", "ViewerProtocolPolicy": "redirect-to-https",
                "CachePolicyId": caching_optimized, "Compress": true,
                "ResponseHeadersPolicyId": document_headers},
                // Referral links record their click in the API, then redirect.
                {"PathPattern": "/r/*", "TargetOriginId": "api", "ViewerProtocolPolicy": "redirect-to-https",
                "CachePolicyId": caching_disabled, "OriginRequestPolicyId": all_viewer_except_host,
                "ResponseHeadersPolicyId": document_headers},
                {"PathPattern": "/embed", "TargetOriginId": "api", "ViewerProtocolPolicy": "https-only",
                "CachePolicyId": caching_disabled, "OriginRequestPolicyId": all_viewer_except_host,
                "ResponseHeadersPolicyId": {"Ref": "EmbedHeadersPolicy"}},
                {"PathPattern": "/widget.js", "TargetOriginId": "portal", "ViewerProtocolPolicy": "redirect-to-https",
                "CachePolicyId": {"Ref": "WidgetCachePolicy"}, "Compress": true,
                "ResponseHeadersPolicyId": document_headers},
                {"PathPattern": "/widget/*", "TargetOriginId": "portal", "ViewerProtocolPolicy": "redirect-to-https",
                "CachePolicyId": caching_optimized, "Compress": true,
                "ResponseHeadersPolicyId": document_headers}],
        }}}),
    );
    // Client-side routes (/dashboard, /r/CODE, /staff/users) load the app on reload. Not by
    // error responses: those apply to every origin, and would turn the API's JSON 403s and
    // 404s into the portal's HTML.
    resources.insert(
        "PortalRoutesFunction".into(),
        json!({"Type": "AWS::CloudFront::Function", "Properties": {
            "Name": {"Fn::Sub": "${AWS::StackName}-portal-routes"},
            "AutoPublish": true,
            "FunctionConfig": {"Comment": "Paths without a file extension are the portal's routes", "Runtime": "cloudfront-js-2.0"},
            "FunctionCode": PORTAL_ROUTES_JS,
        }}),
    );

    let parameter = |description: &str, default: &str| json!({"Type": "String", "Default": default, "Description": description});
    json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Transform": "AWS::Serverless-2016-10-31",
        "Description": "Upline: partner and referral programs. GENERATED by `cargo run -p upline-sam` from the route list, IAM declarations and table schema; do not edit by hand.",
        "Parameters": {
            "ApiDomainName": parameter("Custom domain of the HTTP API, e.g. api.partners.example.com (empty: the execute-api URL)", ""),
            "ApiCertificateArn": parameter("ACM certificate (same region) for ApiDomainName", ""),
            "PortalDomainName": parameter("Custom domain of the portal, e.g. partners.example.com (empty: the CloudFront URL)", ""),
            "PortalCertificateArn": parameter("ACM certificate in us-east-1 for PortalDomainName", ""),
            "NotificationSender": parameter("Verified SES identity emails are sent from", "no-reply@example.com"),
            "AlarmEmail": parameter("Where alarms are emailed (empty: no subscription)", ""),
            "PortalShell": parameter("The portal's dist/index.html, which the embedded panel's page answers with (`make deploy` passes it)", ""),
        },
        "Conditions": {
            "HasApiDomain": {"Fn::Not": [{"Fn::Equals": [{"Ref": "ApiDomainName"}, ""]}]},
            "HasPortalDomain": {"Fn::Not": [{"Fn::Equals": [{"Ref": "PortalDomainName"}, ""]}]},
            "HasAlarmEmail": {"Fn::Not": [{"Fn::Equals": [{"Ref": "AlarmEmail"}, ""]}]},
        },
        "Globals": {"Function": {
            "Runtime": "provided.al2023",
            "Architectures": ["arm64"],
            "Handler": "bootstrap",
            "MemorySize": 256,
            "Timeout": 10,
            "Tracing": "Active",
            "Environment": {"Variables": {
                "UPLINE_TABLE": {"Ref": "Table"},
                "UPLINE_TERMS_BUCKET": {"Ref": "TermsBucket"},
                // Without a custom domain links are paths (`/r/CODE`): the portal and the API share
                // CloudFront's domain, and naming the distribution here would be a cycle.
                "UPLINE_PORTAL_URL": {"Fn::If": ["HasPortalDomain", {"Fn::Sub": "https://${PortalDomainName}"}, ""]},
                // Resolved at deploy time from Secrets Manager.
                "UPLINE_SESSION_KEY": {"Fn::Sub": "{{resolve:secretsmanager:${SessionKey}:SecretString}}"},
                "UPLINE_KMS_KEY": {"Ref": "SealingKey"},
                "RUST_LOG": "info",
            }},
        }},
        "Resources": resources,
        "Outputs": {
            "ApiUrl": {"Value": {"Fn::Sub": "https://${HttpApi}.execute-api.${AWS::Region}.amazonaws.com"}},
            "PortalUrl": {"Value": {"Fn::If": ["HasPortalDomain", {"Fn::Sub": "https://${PortalDomainName}"}, {"Fn::Sub": "https://${PortalDistribution.DomainName}"}]}},
            "PortalBucketName": {"Value": {"Ref": "PortalBucket"}},
            "TableName": {"Value": {"Ref": "Table"}},
            "StreamDeadLetterQueueUrl": {"Value": {"Ref": "StreamDeadLetters"}},
        },
    })
}

/// The template as it is written to `infra/template.yaml`.
pub fn template_yaml() -> String {
    let body = serde_yaml::to_string(&template()).unwrap_or_default();
    // YAML 1.1 readers (cfn-lint, the SAM CLI) would read an unquoted 2010-09-09 as a date.
    let body = body
        .replace(
            "AWSTemplateFormatVersion: 2010-09-09",
            "AWSTemplateFormatVersion: '2010-09-09'",
        )
        .replace("Version: 2012-10-17\n", "Version: '2012-10-17'\n");
    format!(
        "# GENERATED by `cargo run -p upline-sam` — edit infra/sam/src/lib.rs, not this file.\n{body}"
    )
}

/// Where the template lives in the repository.
pub fn template_path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../template.yaml")
}
