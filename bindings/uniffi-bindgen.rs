//! `uniffi-bindgen`, pinned to the uniffi version the library is built with,
//! so generated Swift, Kotlin and Python always match the library's checksums.
//! Run through `bindings/generate.sh`.

fn main() {
    uniffi::uniffi_bindgen_main()
}
