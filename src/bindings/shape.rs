//! One declaration per JavaScript shape.
//!
//! * [`js_options!`](crate::js_options) declares an options object once. From that declaration
//!   come its TypeScript interface (a custom section of the generated `.d.ts`), the extern type
//!   used as the parameter type of exported functions, and a reader that checks the JS type of
//!   every field and names the field in its error (`options.shots must be a number`).
//! * [`js_data!`](crate::js_data) declares a plain data object the client hands to JavaScript
//!   once: its TypeScript interface and the function that builds it from Rust data.
//!
//! What a field means beyond its JS type (defaults, ranges, how it maps onto the Rust options of
//! [`crate::web`]) is logic, kept next to the Rust option types, not a second shape.
//!
//! Field kinds of `js_options!` (JS type checked by the reader → Rust type of the field):
//!
//! | kind | TypeScript | Rust |
//! |---|---|---|
//! | `number` | `number` | `Option<f64>` |
//! | `integer` | `number` | `Option<u32>` (a whole number in 0..=u32::MAX) |
//! | `string` | `string` | `Option<String>` |
//! | `boolean` | `boolean` | `Option<bool>` |
//! | `signal` | `AbortSignal` | `Option<AbortSignal>` |
//! | `headers` | `Record<string, string>` | `Vec<(String, String)>` |
//! | `one_of("a", "b")` | `"a" \| "b"` | `Option<String>` (one of the listed values) |
//! | `callback("(x: T) => void")` | as given | `Option<Function>` |
//! | `value("A \| B")` | as given | `Option<JsValue>` (checked by the code that uses it) |

use js_sys::{Array, Function, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::AbortSignal;

use crate::logic::error::{describe_number, ArvakError};

/// `obj[key] = value` (cannot fail on a plain object; errors are ignored). What every builder of
/// [`js_data!`](crate::js_data) uses.
pub fn set(obj: &Object, key: &str, value: impl Into<JsValue>) {
    let _ = Reflect::set(obj, &JsValue::from_str(key), &value.into());
}

/// Errors of the option readers: `INVALID_ARGUMENT` naming the field.
pub(crate) fn invalid(message: String) -> ArvakError {
    ArvakError::invalid_argument(message)
}

/// An options object being read: `undefined`/`null` (all defaults) or an object.
pub struct Fields<'a> {
    obj: Option<&'a JsValue>,
    what: &'a str,
}

impl<'a> Fields<'a> {
    /// `value` as an options object named `what` in error messages.
    pub fn new(value: &'a JsValue, what: &'a str) -> Result<Self, ArvakError> {
        if value.is_undefined() || value.is_null() {
            Ok(Fields { obj: None, what })
        } else if value.is_object() {
            Ok(Fields {
                obj: Some(value),
                what,
            })
        } else {
            Err(invalid(format!("{what} must be an object")))
        }
    }

    /// The field, or `None` for undefined/null. A getter that throws fails the read (its exception
    /// is the error's `cause`): a default must never silently replace what the caller meant.
    pub fn get(&self, name: &str) -> Result<Option<JsValue>, ArvakError> {
        let Some(obj) = self.obj else {
            return Ok(None);
        };
        match Reflect::get(obj, &JsValue::from_str(name)) {
            Ok(v) => Ok((!v.is_undefined() && !v.is_null()).then_some(v)),
            Err(e) => {
                let mut err = invalid(format!("{}.{name} could not be read", self.what));
                err.cause = Some(e);
                Err(err)
            }
        }
    }

    /// The error for a field of the wrong type.
    pub fn wrong(&self, name: &str, expected: &str) -> ArvakError {
        invalid(format!("{}.{name} must be {expected}", self.what))
    }

    /// A number field.
    pub fn number(&self, name: &str) -> Result<Option<f64>, ArvakError> {
        match self.get(name)? {
            None => Ok(None),
            Some(v) => v
                .as_f64()
                .map(Some)
                .ok_or_else(|| self.wrong(name, "a number")),
        }
    }

    /// A whole number in `0..=u32::MAX`.
    pub fn integer(&self, name: &str) -> Result<Option<u32>, ArvakError> {
        match self.number(name)? {
            None => Ok(None),
            Some(v)
                if v.is_finite() && v >= 0.0 && v.fract() == 0.0 && v <= f64::from(u32::MAX) =>
            {
                Ok(Some(v as u32))
            }
            Some(v) => Err(invalid(format!(
                "{}.{name} must be an integer between 0 and {}, got {}",
                self.what,
                u32::MAX,
                describe_number(v)
            ))),
        }
    }

    /// A string field.
    pub fn string(&self, name: &str) -> Result<Option<String>, ArvakError> {
        match self.get(name)? {
            None => Ok(None),
            Some(v) => v
                .as_string()
                .map(Some)
                .ok_or_else(|| self.wrong(name, "a string")),
        }
    }

    /// A string field holding one of `allowed`.
    pub fn one_of(&self, name: &str, allowed: &[&str]) -> Result<Option<String>, ArvakError> {
        match self.get(name)? {
            None => Ok(None),
            Some(v) => match v.as_string() {
                Some(s) if allowed.contains(&s.as_str()) => Ok(Some(s)),
                _ => {
                    let mut expected = String::new();
                    for (i, a) in allowed.iter().enumerate() {
                        if i > 0 {
                            expected.push_str(if i + 1 == allowed.len() { " or " } else { ", " });
                        }
                        expected.push('"');
                        expected.push_str(a);
                        expected.push('"');
                    }
                    Err(self.wrong(name, &expected))
                }
            },
        }
    }

    /// A boolean field.
    pub fn boolean(&self, name: &str) -> Result<Option<bool>, ArvakError> {
        match self.get(name)? {
            None => Ok(None),
            Some(v) => v
                .as_bool()
                .map(Some)
                .ok_or_else(|| self.wrong(name, "a boolean")),
        }
    }

    /// A function field.
    pub fn callback(&self, name: &str) -> Result<Option<Function>, ArvakError> {
        match self.get(name)? {
            None => Ok(None),
            Some(v) => v
                .dyn_into::<Function>()
                .map(Some)
                .map_err(|_| self.wrong(name, "a function")),
        }
    }

    /// An `AbortSignal` field.
    pub fn signal(&self, name: &str) -> Result<Option<AbortSignal>, ArvakError> {
        match self.get(name)? {
            None => Ok(None),
            Some(v) => v
                .dyn_into::<AbortSignal>()
                .map(Some)
                .map_err(|_| self.wrong(name, "an AbortSignal")),
        }
    }

    /// A field of any type (checked by its user).
    pub fn value(&self, name: &str) -> Result<Option<JsValue>, ArvakError> {
        self.get(name)
    }

    /// A `Record<string, string>` field.
    pub fn headers(&self, name: &str) -> Result<Vec<(String, String)>, ArvakError> {
        match self.get(name)? {
            None => Ok(Vec::new()),
            Some(v) => headers_of(&v, &format!("{}.{name}", self.what)),
        }
    }
}

/// A `Record<string, string>` value (`what` names it in errors).
pub fn headers_of(value: &JsValue, what: &str) -> Result<Vec<(String, String)>, ArvakError> {
    if !value.is_object() || value.is_function() {
        return Err(invalid(format!("{what} must be an object of strings")));
    }
    let mut out = Vec::new();
    for pair in Object::entries(value.unchecked_ref()).iter() {
        let pair: Array = pair.unchecked_into();
        let key = pair.get(0).as_string().unwrap_or_default();
        match pair.get(1).as_string() {
            Some(v) => out.push((key, v)),
            None => return Err(invalid(format!("{what}[\"{key}\"] must be a string"))),
        }
    }
    Ok(out)
}

/// Declares a JavaScript options object once; see the [module docs](crate::bindings::shape).
///
/// ```ignore
/// js_options! {
///     /// Options of `submitQasm`.
///     pub struct SubmitFields as "SubmitOptions", arg SubmitOptionsArg, extends "CallOptions" {
///         /// Shots (default 1024).
///         shots: integer,
///     }
/// }
/// ```
#[macro_export]
#[doc(hidden)]
macro_rules! js_options {
    (
        $(#[doc = $doc:literal])*
        $vis:vis struct $name:ident as $ts:literal, arg $arg:ident
            $(, extends $first:literal $(, $more:literal)*)? {
            $(
                $(#[doc = $fdoc:literal])*
                $field:ident : $kind:ident $(($($karg:tt)*))?
            ),* $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        #[allow(non_snake_case)]
        #[derive(Default)]
        $vis struct $name {
            $( $(#[doc = $fdoc])* pub $field: $crate::js_field!(@ty $kind $(($($karg)*))?), )*
        }

        impl $name {
            /// The JavaScript field names, in declaration order.
            pub const FIELDS: &'static [&'static str] = &[$(stringify!($field)),*];
            /// The TypeScript declaration.
            pub const TS: &'static str = concat!(
                "\n", $("/**", $doc, " */\n",)* "export interface ", $ts,
                $(" extends ", $first, $(", ", $more,)*)? " {\n",
                $( $("  /**", $fdoc, " */\n",)* "  ", stringify!($field), "?: ",
                   $crate::js_field!(@ts $kind $(($($karg)*))?), ";\n", )*
                "}\n"
            );

            /// Reads the object (`what` names it in error messages), checking each field's type.
            pub fn read(value: &::wasm_bindgen::JsValue, what: &str)
                -> Result<Self, $crate::logic::error::ArvakError> {
                #[allow(unused_variables)]
                let o = $crate::bindings::shape::Fields::new(value, what)?;
                Ok($name {
                    $( $field: $crate::js_field!(@read o, stringify!($field), $kind $(($($karg)*))?)?, )*
                })
            }
        }

        #[::wasm_bindgen::prelude::wasm_bindgen(typescript_custom_section)]
        const _: &'static str = $name::TS;

        #[::wasm_bindgen::prelude::wasm_bindgen]
        extern "C" {
            #[doc = concat!("`", $ts, "` (the TypeScript type of the parameter).")]
            #[wasm_bindgen(typescript_type = $ts)]
            pub type $arg;
        }
    };
}

/// The per-kind parts of [`js_options!`]: Rust type, TypeScript type, reader call.
#[macro_export]
#[doc(hidden)]
macro_rules! js_field {
    (@ty number) => { Option<f64> };
    (@ty integer) => { Option<u32> };
    (@ty string) => { Option<String> };
    (@ty boolean) => { Option<bool> };
    (@ty signal) => { Option<::web_sys::AbortSignal> };
    (@ty headers) => { Vec<(String, String)> };
    (@ty one_of($($v:literal),+)) => { Option<String> };
    (@ty callback($ts:literal)) => { Option<::js_sys::Function> };
    (@ty value($ts:literal)) => { Option<::wasm_bindgen::JsValue> };

    (@ts number) => { "number" };
    (@ts integer) => { "number" };
    (@ts string) => { "string" };
    (@ts boolean) => { "boolean" };
    (@ts signal) => { "AbortSignal" };
    (@ts headers) => { "Record<string, string>" };
    (@ts one_of($first:literal $(, $v:literal)*)) => {
        concat!("\"", $first, "\"" $(, " | \"", $v, "\"")*)
    };
    (@ts callback($ts:literal)) => { $ts };
    (@ts value($ts:literal)) => { $ts };

    (@read $o:ident, $n:expr, number) => { $o.number($n) };
    (@read $o:ident, $n:expr, integer) => { $o.integer($n) };
    (@read $o:ident, $n:expr, string) => { $o.string($n) };
    (@read $o:ident, $n:expr, boolean) => { $o.boolean($n) };
    (@read $o:ident, $n:expr, signal) => { $o.signal($n) };
    (@read $o:ident, $n:expr, headers) => { $o.headers($n) };
    (@read $o:ident, $n:expr, one_of($($v:literal),+)) => { $o.one_of($n, &[$($v),+]) };
    (@read $o:ident, $n:expr, callback($ts:literal)) => { $o.callback($n) };
    (@read $o:ident, $n:expr, value($ts:literal)) => { $o.value($n) };
}

/// Declares a plain data object once: its TypeScript interface and the function building it.
///
/// ```ignore
/// js_data! {
///     /// The answer of `cancelJob`.
///     pub fn cancel(c: &CancelOutcome) -> "CancelResult" {
///         /// Whether this call cancelled the job.
///         success: "boolean" = c.success,
///         message: "string" = c.message.as_str(),
///     }
/// }
/// ```
#[macro_export]
#[doc(hidden)]
macro_rules! js_data {
    (
        $(#[doc = $doc:literal])*
        $vis:vis fn $fn_name:ident($arg:ident : $arg_ty:ty) -> $ts:literal {
            $(
                $(#[doc = $fdoc:literal])*
                $field:ident : $fts:literal = $value:expr
            ),* $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        #[doc = concat!("\n\nBuilds a `", $ts, "` object.")]
        $vis fn $fn_name($arg: $arg_ty) -> ::wasm_bindgen::JsValue {
            let o = ::js_sys::Object::new();
            $( $crate::bindings::shape::set(&o, stringify!($field), $value); )*
            o.into()
        }

        const _: () = {
            #[::wasm_bindgen::prelude::wasm_bindgen(typescript_custom_section)]
            const TS: &'static str = concat!(
                "\n", $("/**", $doc, " */\n",)* "export interface ", $ts, " {\n",
                $( $("  /**", $fdoc, " */\n",)* "  ", stringify!($field), ": ", $fts, ";\n", )*
                "}\n"
            );
        };
    };
}
