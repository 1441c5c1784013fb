//! Rule sets and routing: versions per tenant, the compiled cache (swapped atomically on
//! publish, invalidated across instances through the kv store's pub/sub), the routing decision
//! at intake and on returns/reopenings, simulation and replay.

mod cache;
mod decide;
mod rule_sets;
mod suggest;

pub use cache::RoutingCache;
pub use decide::{ReplayExample, ReplayReport, SimulateInput, StoredDecision, Summary};
pub use rule_sets::{RuleSetInput, RuleSetView};
pub use suggest::{RetrainReport, RouteSuggestion, Suggested, SuggestionCache, spawn_trainer};

/// The pub/sub channel (under the kv prefix) on which instances announce publishes.
pub const CHANNEL: &str = "routing";
