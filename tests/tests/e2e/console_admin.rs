//! Console pages: see the module's first test.
