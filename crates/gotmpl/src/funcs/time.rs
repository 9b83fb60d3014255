//! Sprig's date functions. They need a clock, which the caller provides through
//! [`crate::Env`]; until they are implemented they parse and fail when called.

use super::{f, Ctx, FnResult, Func, Ty};
use crate::value::Value;

const A: Ty = Ty::Any;
const S: Ty = Ty::Str;

fn unsupported(_: &mut Ctx<'_>, _: Vec<Value>) -> FnResult {
    Err("date functions are not supported by preflight-gotmpl".to_string())
}

pub(crate) fn funcs() -> Vec<Func> {
    vec![
        f("ago", &[A], None, unsupported),
        f("date", &[S, A], None, unsupported),
        f("date_in_zone", &[S, A, S], None, unsupported),
        f("dateInZone", &[S, A, S], None, unsupported),
        f("date_modify", &[S, A], None, unsupported),
        f("dateModify", &[S, A], None, unsupported),
        f("must_date_modify", &[S, A], None, unsupported),
        f("mustDateModify", &[S, A], None, unsupported),
        f("duration", &[A], None, unsupported),
        f("durationRound", &[A], None, unsupported),
        f("htmlDate", &[A], None, unsupported),
        f("htmlDateInZone", &[A, S], None, unsupported),
        f("now", &[], None, unsupported),
        f("toDate", &[S, S], None, unsupported),
        f("mustToDate", &[S, S], None, unsupported),
        f("unixEpoch", &[A], None, unsupported),
    ]
}
