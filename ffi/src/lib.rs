//! C ABI of ozinstant (being written).
