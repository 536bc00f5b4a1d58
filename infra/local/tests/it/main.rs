//! upline-local's tests: one binary, so `cargo test` starts one DynamoDB Local for all of them
//! (`make test` starts one for the whole run and passes it in `UPLINE_TEST_DYNAMODB_ENDPOINT`).

mod cloud;
mod dynamodb_local;
mod outbox;
mod poller;
mod support;
