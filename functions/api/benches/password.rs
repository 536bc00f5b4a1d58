//! What a login costs in CPU: argon2id at the OWASP parameters (19 MiB, t = 2, p = 1).

use criterion::{Criterion, criterion_group, criterion_main};
use upline_api::auth::{hash_password, verify_password};

fn passwords(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let hash = runtime
        .block_on(hash_password("correct horse battery".into()))
        .expect("a hash");
    let mut group = c.benchmark_group("argon2id");
    group.sample_size(20);
    group.bench_function("hash a new password", |b| {
        b.iter(|| runtime.block_on(hash_password("correct horse battery".into())))
    });
    group.bench_function("verify a login", |b| {
        b.iter(|| {
            runtime.block_on(verify_password(
                "correct horse battery".into(),
                Some(hash.clone()),
            ))
        })
    });
    group.finish();
}

criterion_group!(benches, passwords);
criterion_main!(benches);
