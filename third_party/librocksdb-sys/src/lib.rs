// Copyright 2020 Tyler Neely, Alex Regueiro
//
// Licensed under the Apache License, Version 2.0 (the "License");
// you may not use this file except in compliance with the License.
// You may obtain a copy of the License at
//
// http://www.apache.org/licenses/LICENSE-2.0
//
// Unless required by applicable law or agreed to in writing, software
// distributed under the License is distributed on an "AS IS" BASIS,
// WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
// See the License for the specific language governing permissions and
// limitations under the License.
//
// As published in librocksdb-sys 0.19.0+11.8.1, except that the bindings are read from
// `bindings.rs` beside this file (generated once, see ../README.md) instead of being generated
// by bindgen at every build.

#![allow(
    clippy::all,
    non_snake_case,
    non_camel_case_types,
    non_upper_case_globals
)]

// Ensure the libraries are linked in, despite it not being used directly
#[cfg(feature = "lz4")]
extern crate lz4_sys;

include!("bindings.rs");
