//! Test helper: the BCM headnode simulator (`bcmhcl::sim`) running in-process on 127.0.0.1 on a
//! runtime of its own for the length of a test, over real HTTP(S).
#![allow(dead_code)]

use bcmhcl::sim::{start, SimConfig, SimHandle};

pub struct Headnode {
    handle: Option<SimHandle>,
    runtime: tokio::runtime::Runtime,
}

impl Headnode {
    pub fn start(config: SimConfig) -> Headnode {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a runtime for the simulator");
        let handle = runtime.block_on(start(config)).expect("simulator starts");
        Headnode {
            handle: Some(handle),
            runtime,
        }
    }

    pub fn handle(&self) -> &SimHandle {
        self.handle.as_ref().expect("running until dropped")
    }

    /// Power operations the headnode received, over all devices.
    pub fn power_operations(&self) -> u64 {
        self.handle().power_operations().values().sum()
    }
}

impl Drop for Headnode {
    fn drop(&mut self) {
        if let Some(h) = self.handle.take() {
            self.runtime.block_on(h.shutdown());
        }
    }
}
