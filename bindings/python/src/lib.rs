//! Python bindings of ozinstant (being written).
