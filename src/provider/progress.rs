//! Progress lines from inside a provider operation ("node001 is INSTALLING"), delivered to
//! whoever runs the operation without changing the Provider trait: the executor wraps each
//! operation in `scope`, and providers call `report` (a no-op outside a scope, e.g. in plans
//! and tests).

use std::future::Future;
use std::sync::Arc;

/// Where progress lines of one operation go.
pub type Sink = Arc<dyn Fn(&str) + Send + Sync>;

tokio::task_local! {
    static SINK: Sink;
}

/// Runs `operation` with its progress lines sent to `sink`.
pub async fn scope<F: Future>(sink: Sink, operation: F) -> F::Output {
    SINK.scope(sink, operation).await
}

/// Reports a line of progress of the operation running on this task, if anyone listens.
pub fn report(line: &str) {
    let _ = SINK.try_with(|sink| sink(line));
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[tokio::test]
    async fn lines_reach_the_sink_of_their_scope_only() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let s = seen.clone();
        report("nobody listens");
        scope(
            Arc::new(move |l: &str| s.lock().unwrap().push(l.to_string())),
            async {
                report("node001 is BOOTING");
                tokio::task::yield_now().await;
                report("node001 is UP");
            },
        )
        .await;
        report("after");
        assert_eq!(
            *seen.lock().unwrap(),
            vec![
                "node001 is BOOTING".to_string(),
                "node001 is UP".to_string()
            ]
        );
    }
}
