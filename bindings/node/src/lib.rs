//! Node.js bindings of ozinstant (being written).
