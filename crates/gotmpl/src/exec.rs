//! The executor: Go's `text/template` `exec.go`, including where it points in its
//! error messages (`template: name:line:col: executing "name" at <node>: ...`).

use crate::funcs::{self, Ctx, Ty};
use crate::parse::{Arg, BranchKind, Command, ListNode, Node, Number, Pipe};
use crate::value::{ElemType, MapType, Value};
use crate::{Error, ErrorKind, Limits, MissingKey, Template};

/// Where an error points: the node being evaluated, as Go's `state.at` records it.
#[derive(Clone, Copy)]
enum Loc<'t> {
    None,
    Arg(&'t Arg),
    Cmd(&'t Command),
    Pipe(&'t Pipe),
    Node(&'t Node),
}

/// A value together with whether Go holds it in an `interface{}` (map elements of
/// `map[string]interface{}`, slice elements of `[]interface{}`); that only changes the
/// type Go names in "can't evaluate field" errors.
#[derive(Clone)]
pub(crate) struct Slot {
    value: Value,
    boxed: bool,
}

impl Slot {
    fn plain(value: Value) -> Slot {
        Slot {
            value,
            boxed: false,
        }
    }
}

struct Var<'t> {
    name: &'t str,
    slot: Slot,
}

pub(crate) enum Flow {
    Break,
    Continue,
    Fail(Error),
}

impl From<Error> for Flow {
    fn from(error: Error) -> Flow {
        Flow::Fail(error)
    }
}

type EResult<T> = Result<T, Error>;

pub(crate) struct State<'t, 'c> {
    tmpl: &'t Template,
    name: &'t str,
    node: Loc<'t>,
    vars: Vec<Var<'t>>,
    pub(crate) out: String,
    depth: usize,
    steps: u64,
    limits: Limits,
    missing_key: MissingKey,
    pub(crate) ctx: Ctx<'c>,
}

fn line_col(text: &str, pos: usize) -> (usize, usize) {
    let pos = pos.min(text.len());
    let before = &text.as_bytes()[..pos];
    let line = 1 + before.iter().filter(|b| **b == b'\n').count();
    let col = match before.iter().rposition(|b| *b == b'\n') {
        Some(index) => pos - (index + 1),
        None => pos,
    };
    (line, col)
}

impl<'t, 'c> State<'t, 'c> {
    pub(crate) fn new(tmpl: &'t Template, root: Value, ctx: Ctx<'c>) -> State<'t, 'c> {
        State {
            tmpl,
            name: &tmpl.name,
            node: Loc::None,
            vars: vec![Var {
                name: "$",
                slot: Slot::plain(root),
            }],
            out: String::new(),
            depth: 0,
            steps: 0,
            limits: tmpl.options.limits,
            missing_key: tmpl.options.missing_key,
            ctx,
        }
    }

    pub(crate) fn run(&mut self, root: &'t ListNode) -> EResult<()> {
        let dot = self.vars[0].slot.clone();
        match self.walk_list(&dot, root) {
            Ok(()) => Ok(()),
            Err(Flow::Fail(error)) => Err(error),
            // The parser only allows break and continue inside range.
            Err(Flow::Break | Flow::Continue) => Ok(()),
        }
    }

    fn at(&mut self, loc: Loc<'t>) {
        self.node = loc;
    }

    fn errorf(&self, message: impl std::fmt::Display) -> Error {
        let (pos, context) = match self.node {
            Loc::None => {
                return Error::new(
                    ErrorKind::Execute,
                    format!("template: {}: {}", self.name, message),
                );
            }
            Loc::Arg(arg) => (arg.pos(), arg.to_string()),
            Loc::Cmd(cmd) => (cmd.pos, cmd.to_string()),
            Loc::Pipe(pipe) => (pipe.pos, pipe.to_string()),
            Loc::Node(node) => (node_pos(node), node.to_string()),
        };
        let (line, col) = line_col(&self.tmpl.text, pos);
        Error::new(
            ErrorKind::Execute,
            format!(
                "template: {}:{}:{}: executing {} at <{}>: {}",
                self.tmpl.name,
                line,
                col,
                crate::gofmt::quote(self.name),
                context,
                message
            ),
        )
    }

    fn limit_error(&self, what: &str) -> Error {
        Error::new(
            ErrorKind::Limit,
            format!("template: {}: {}", self.tmpl.name, what),
        )
    }

    fn tick(&mut self) -> EResult<()> {
        self.steps += 1;
        if self.steps > self.limits.max_steps {
            return Err(self.limit_error(&format!(
                "execution exceeded {} steps",
                self.limits.max_steps
            )));
        }
        Ok(())
    }

    fn write(&mut self, text: &str) -> EResult<()> {
        if self.out.len() + text.len() > self.limits.max_output_bytes {
            return Err(self.limit_error(&format!(
                "output exceeds {} bytes",
                self.limits.max_output_bytes
            )));
        }
        self.out.push_str(text);
        Ok(())
    }

    fn walk_list(&mut self, dot: &Slot, list: &'t ListNode) -> Result<(), Flow> {
        for node in &list.nodes {
            self.walk(dot, node)?;
        }
        Ok(())
    }

    fn walk(&mut self, dot: &Slot, node: &'t Node) -> Result<(), Flow> {
        self.at(Loc::Node(node));
        self.tick()?;
        match node {
            Node::Text(text) => self.write(text)?,
            Node::Action { pipe, .. } => {
                let value = self.eval_pipeline(dot, pipe)?;
                if pipe.decl.is_empty() {
                    self.at(Loc::Node(node));
                    self.print_value(&value)?;
                }
            }
            Node::Break { .. } => return Err(Flow::Break),
            Node::Continue { .. } => return Err(Flow::Continue),
            Node::Branch {
                kind: BranchKind::Range,
                ..
            } => self.walk_range(dot, node)?,
            Node::Branch {
                kind,
                pipe,
                list,
                else_list,
                ..
            } => {
                let mark = self.vars.len();
                let value = self.eval_pipeline(dot, pipe)?;
                let result = if value.truth() {
                    if *kind == BranchKind::With {
                        self.walk_list(&Slot::plain(value), list)
                    } else {
                        self.walk_list(dot, list)
                    }
                } else if let Some(else_list) = else_list {
                    self.walk_list(dot, else_list)
                } else {
                    Ok(())
                };
                self.vars.truncate(mark);
                result?;
            }
            Node::Template { name, pipe, .. } => self.walk_template(dot, name, pipe.as_ref())?,
        }
        Ok(())
    }

    fn print_value(&mut self, value: &Value) -> EResult<()> {
        match value {
            Value::Missing => self.write("<no value>"),
            Value::Str(text) => self.write(text),
            other => {
                let text = crate::gofmt::to_v(other);
                self.write(&text)
            }
        }
    }

    fn walk_range(&mut self, dot: &Slot, node: &'t Node) -> Result<(), Flow> {
        let Node::Branch {
            pipe,
            list,
            else_list,
            ..
        } = node
        else {
            return Ok(());
        };
        let mark = self.vars.len();
        let value = self.eval_pipeline(dot, pipe)?;
        let body_mark = self.vars.len();
        let decls = pipe.decl.len();
        let mut iterated = false;
        let iteration = |state: &mut Self, index: Value, elem: Slot| -> Result<bool, Flow> {
            state.tick()?;
            if decls > 0 {
                let top = state.vars.len() - 1;
                state.vars[top].slot = elem.clone();
            }
            if decls > 1 {
                let second = state.vars.len() - 2;
                state.vars[second].slot = Slot::plain(index);
            }
            let result = state.walk_list(&elem, list);
            state.vars.truncate(body_mark);
            match result {
                Ok(()) | Err(Flow::Continue) => Ok(true),
                Err(Flow::Break) => Ok(false),
                Err(fail) => Err(fail),
            }
        };
        match &value {
            Value::List(items, elem_type) => {
                let boxed = *elem_type == ElemType::Any;
                for (index, item) in items.iter().enumerate() {
                    iterated = true;
                    let elem = Slot {
                        value: item.clone(),
                        boxed,
                    };
                    if !iteration(self, Value::int(index as i64), elem)? {
                        break;
                    }
                }
            }
            Value::Map(map, map_type) => {
                let boxed = *map_type == MapType::Any;
                // Go sorts a snapshot of the keys and values before iterating.
                let entries: Vec<(String, Value)> = map
                    .borrow()
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                for (key, item) in entries {
                    iterated = true;
                    let elem = Slot { value: item, boxed };
                    if !iteration(self, Value::string(key), elem)? {
                        break;
                    }
                }
            }
            // Go 1.22 ranges over an integer n as 0..n-1, with one variable only
            // (text/template/exec.go, walkRange). Parameters from JSON are float64
            // and cannot be ranged over; `int`, `len` or a literal can.
            Value::Int(count, int_type) => {
                if decls > 1 {
                    return Err(self
                        .errorf(format!(
                            "can't use {} to iterate over more than one variable",
                            crate::gofmt::to_v(&value)
                        ))
                        .into());
                }
                for number in 0..(*count).max(0) {
                    iterated = true;
                    // Each element has the type of the bound (reflect.Value.Seq).
                    let elem = Slot::plain(Value::Int(number, *int_type));
                    if !iteration(self, Value::Missing, elem)? {
                        break;
                    }
                }
            }
            Value::Missing | Value::Nil => {}
            other => {
                return Err(self
                    .errorf(format!(
                        "range can't iterate over {}",
                        crate::gofmt::to_v(other)
                    ))
                    .into());
            }
        }
        if !iterated {
            if let Some(else_list) = else_list {
                let result = self.walk_list(dot, else_list);
                self.vars.truncate(mark);
                return result;
            }
        }
        self.vars.truncate(mark);
        Ok(())
    }

    fn walk_template(
        &mut self,
        dot: &Slot,
        name: &'t str,
        pipe: Option<&'t Pipe>,
    ) -> Result<(), Flow> {
        let Some(tree) = self.tmpl.trees.get(name) else {
            return Err(self
                .errorf(format!(
                    "template {} not defined",
                    crate::gofmt::quote(name)
                ))
                .into());
        };
        if self.depth >= self.limits.max_template_depth {
            return Err(self
                .errorf(format!(
                    "exceeded maximum template depth ({})",
                    self.limits.max_template_depth
                ))
                .into());
        }
        let new_dot = match pipe {
            Some(pipe) => self.eval_pipeline(dot, pipe)?,
            None => Value::Missing,
        };
        let saved_vars = std::mem::replace(
            &mut self.vars,
            vec![Var {
                name: "$",
                slot: Slot::plain(new_dot.clone()),
            }],
        );
        let saved_name = std::mem::replace(&mut self.name, name);
        self.depth += 1;
        let result = self.walk_list(&Slot::plain(new_dot), tree);
        self.depth -= 1;
        self.name = saved_name;
        self.vars = saved_vars;
        result
    }

    pub(crate) fn eval_pipeline(&mut self, dot: &Slot, pipe: &'t Pipe) -> EResult<Value> {
        self.at(Loc::Pipe(pipe));
        let mut value: Option<Value> = None;
        for cmd in &pipe.cmds {
            let mut result = self.eval_command(dot, cmd, value.take())?;
            // A nil interface{} is unwrapped into an invalid value, as Go does.
            if let Value::Nil = result {
                result = Value::Missing;
            }
            value = Some(result);
        }
        let value = value.unwrap_or(Value::Missing);
        for name in &pipe.decl {
            if pipe.is_assign {
                self.set_var(name, value.clone())?;
            } else {
                self.vars.push(Var {
                    name,
                    slot: Slot::plain(value.clone()),
                });
            }
        }
        Ok(value)
    }

    fn set_var(&mut self, name: &str, value: Value) -> EResult<()> {
        for var in self.vars.iter_mut().rev() {
            if var.name == name {
                var.slot = Slot::plain(value);
                return Ok(());
            }
        }
        Err(self.errorf(format!("undefined variable: {name}")))
    }

    fn var_value(&self, name: &str) -> EResult<Slot> {
        for var in self.vars.iter().rev() {
            if var.name == name {
                return Ok(var.slot.clone());
            }
        }
        Err(self.errorf(format!("undefined variable: {name}")))
    }

    fn not_a_function(&self, args: &[Arg], final_value: &Option<Value>) -> EResult<()> {
        if args.len() > 1 || final_value.is_some() {
            return Err(self.errorf(format!("can't give argument to non-function {}", args[0])));
        }
        Ok(())
    }

    fn eval_command(
        &mut self,
        dot: &Slot,
        cmd: &'t Command,
        final_value: Option<Value>,
    ) -> EResult<Value> {
        self.tick()?;
        let first = &cmd.args[0];
        match first {
            Arg::Field { .. } => return self.eval_field_node(dot, first, &cmd.args, final_value),
            Arg::Chain { .. } => return self.eval_chain_node(dot, first, &cmd.args, final_value),
            Arg::Identifier { .. } => {
                return self.eval_function(dot, first, Loc::Cmd(cmd), &cmd.args, final_value);
            }
            Arg::Pipe(pipe) => {
                self.not_a_function(&cmd.args, &final_value)?;
                return self.eval_pipeline(dot, pipe);
            }
            Arg::Variable { .. } => {
                return self.eval_variable_node(dot, first, &cmd.args, final_value);
            }
            _ => {}
        }
        self.at(Loc::Arg(first));
        self.not_a_function(&cmd.args, &final_value)?;
        match first {
            Arg::Bool { value, .. } => Ok(Value::Bool(*value)),
            Arg::Dot { .. } => Ok(dot.value.clone()),
            Arg::Nil { .. } => Err(self.errorf("nil is not a command")),
            Arg::Number { number, .. } => self.ideal_constant(first, number),
            Arg::String { text, .. } => Ok(Value::str(text)),
            _ => Err(self.errorf(format!("can't evaluate command {}", first))),
        }
    }

    fn ideal_constant(&mut self, arg: &'t Arg, number: &Number) -> EResult<Value> {
        self.at(Loc::Arg(arg));
        let text = &number.text;
        let is_hex = text.len() > 2
            && text.starts_with('0')
            && (text.as_bytes()[1] == b'x' || text.as_bytes()[1] == b'X')
            && !text.contains(['p', 'P']);
        let is_rune = text.starts_with('\'');
        if number.is_complex {
            return Err(self.errorf("complex numbers are not supported"));
        }
        if number.is_float && !is_hex && !is_rune && text.contains(['.', 'e', 'E', 'p', 'P']) {
            return Ok(Value::Float(number.float));
        }
        if number.is_int {
            return Ok(Value::int(number.int));
        }
        if number.is_uint {
            return Err(self.errorf(format!("{text} overflows int")));
        }
        Ok(Value::Missing)
    }

    fn eval_field_node(
        &mut self,
        dot: &Slot,
        field: &'t Arg,
        args: &'t [Arg],
        final_value: Option<Value>,
    ) -> EResult<Value> {
        self.at(Loc::Arg(field));
        let Arg::Field { idents, .. } = field else {
            return Ok(Value::Missing);
        };
        self.eval_field_chain(dot.clone(), idents, args, final_value)
            .map(|slot| slot.value)
    }

    fn eval_variable_node(
        &mut self,
        _dot: &Slot,
        variable: &'t Arg,
        args: &'t [Arg],
        final_value: Option<Value>,
    ) -> EResult<Value> {
        self.at(Loc::Arg(variable));
        let Arg::Variable { idents, .. } = variable else {
            return Ok(Value::Missing);
        };
        let value = self.var_value(&idents[0])?;
        if idents.len() == 1 {
            self.not_a_function(args, &final_value)?;
            return Ok(value.value);
        }
        self.eval_field_chain(value, &idents[1..], args, final_value)
            .map(|slot| slot.value)
    }

    fn eval_chain_node(
        &mut self,
        dot: &Slot,
        chain: &'t Arg,
        args: &'t [Arg],
        final_value: Option<Value>,
    ) -> EResult<Value> {
        self.at(Loc::Arg(chain));
        let Arg::Chain { node, fields, .. } = chain else {
            return Ok(Value::Missing);
        };
        if let Arg::Nil { .. } = node.as_ref() {
            return Err(self.errorf(format!("indirection through explicit nil in {chain}")));
        }
        let receiver = self.eval_arg(dot, None, node)?;
        self.eval_field_chain(Slot::plain(receiver), fields, args, final_value)
            .map(|slot| slot.value)
    }

    fn eval_field_chain(
        &mut self,
        mut receiver: Slot,
        idents: &[String],
        args: &'t [Arg],
        final_value: Option<Value>,
    ) -> EResult<Slot> {
        let n = idents.len();
        for ident in &idents[..n - 1] {
            receiver = self.eval_field(ident, false, receiver)?;
        }
        let has_args = args.len() > 1 || final_value.is_some();
        self.eval_field(&idents[n - 1], has_args, receiver)
    }

    fn eval_field(&mut self, name: &str, has_args: bool, receiver: Slot) -> EResult<Slot> {
        let type_name = if receiver.boxed {
            "interface {}"
        } else {
            receiver.value.type_name()
        };
        match &receiver.value {
            Value::Missing => {
                if self.missing_key == MissingKey::Error {
                    return Err(self.errorf(format!(
                        "nil data; no entry for key {}",
                        crate::gofmt::quote(name)
                    )));
                }
                Ok(Slot::plain(Value::Missing))
            }
            Value::Nil => Err(self.errorf(format!("nil pointer evaluating interface {{}}.{name}"))),
            Value::Map(map, map_type) => {
                if has_args {
                    return Err(self.errorf(format!("{name} is not a method but has arguments")));
                }
                let boxed = *map_type == MapType::Any;
                if let Some(found) = map.borrow().get(name) {
                    return Ok(Slot {
                        value: found.clone(),
                        boxed,
                    });
                }
                match self.missing_key {
                    MissingKey::Invalid => Ok(Slot::plain(Value::Missing)),
                    MissingKey::Zero => Ok(Slot {
                        value: Value::zero_of_map(*map_type),
                        boxed,
                    }),
                    MissingKey::Error => Err(self.errorf(format!(
                        "map has no entry for key {}",
                        crate::gofmt::quote(name)
                    ))),
                }
            }
            Value::Time(time) => {
                let found = time.method(name);
                self.method_result(name, has_args, found, "time.Time", &["wall", "ext", "loc"])
            }
            Value::Semver(version) => {
                let found = version.method(name);
                let fields: &[&str] = if crate::funcs::semver::Version::is_field(name) {
                    &[name]
                } else {
                    &[]
                };
                self.method_result(name, has_args, found, "*semver.Version", fields)
            }
            _ => Err(self.errorf(format!("can't evaluate field {name} in type {type_name}"))),
        }
    }

    /// The result of a zero-argument method of a struct value (`time.Time`,
    /// `*semver.Version`); methods taking arguments are not supported.
    fn method_result(
        &mut self,
        name: &str,
        has_args: bool,
        found: Option<Value>,
        type_name: &str,
        fields: &[&str],
    ) -> EResult<Slot> {
        match found {
            Some(_) if has_args => {
                Err(self.errorf(format!("wrong number of args for {name}: want 0 got 1")))
            }
            Some(value) => Ok(Slot::plain(value)),
            None if fields.contains(&name) => Err(self.errorf(format!(
                "{name} is an unexported field of struct type {type_name}"
            ))),
            None if name.starts_with(|c: char| c.is_ascii_uppercase())
                && KNOWN_METHODS.contains(&name) =>
            {
                Err(self.errorf(format!(
                    "method {name} of {type_name} is not supported by preflight-gotmpl"
                )))
            }
            None => Err(self.errorf(format!("can't evaluate field {name} in type {type_name}"))),
        }
    }

    fn eval_function(
        &mut self,
        dot: &Slot,
        ident: &'t Arg,
        call_loc: Loc<'t>,
        args: &'t [Arg],
        final_value: Option<Value>,
    ) -> EResult<Value> {
        self.at(Loc::Arg(ident));
        let Arg::Identifier { name, func, .. } = ident else {
            return Ok(Value::Missing);
        };
        let function = funcs::get(*func);
        let args = if args.is_empty() { args } else { &args[1..] };
        let num_in = args.len() + usize::from(final_value.is_some());
        let params = function.params;
        let mut num_fixed = args.len();
        if let Some(_variadic) = function.variadic {
            num_fixed = params.len();
            if num_in < num_fixed {
                return Err(self.errorf(format!(
                    "wrong number of args for {name}: want at least {} got {}",
                    params.len(),
                    args.len()
                )));
            }
        } else if num_in != params.len() {
            return Err(self.errorf(format!(
                "wrong number of args for {name}: want {} got {num_in}",
                params.len()
            )));
        }
        if name == "and" || name == "or" {
            let want = name == "or";
            let mut value = Value::Missing;
            for arg in args {
                value = self.eval_arg(dot, Some(Ty::Reflect), arg)?;
                if funcs::truth_reflect(&value) == want {
                    return Ok(value);
                }
            }
            if let Some(final_value) = final_value {
                value = self.validate_type(final_value, Some(Ty::Reflect))?;
            }
            return Ok(value);
        }
        let mut argv = Vec::with_capacity(num_in);
        let mut index = 0;
        while index < num_fixed && index < args.len() {
            argv.push(self.eval_arg(dot, Some(params[index]), &args[index])?);
            index += 1;
        }
        if let Some(variadic) = function.variadic {
            while index < args.len() {
                argv.push(self.eval_arg(dot, Some(variadic), &args[index])?);
                index += 1;
            }
        }
        if let Some(final_value) = final_value {
            let ty = match function.variadic {
                Some(variadic) => {
                    if num_in - 1 < num_fixed {
                        params[num_in - 1]
                    } else {
                        variadic
                    }
                }
                None => params[params.len() - 1],
            };
            argv.push(self.validate_type(final_value, Some(ty))?);
        }
        if name == "call" {
            // Go hands `call` the text of its callee's node (or the piped value's
            // `reflect.Value.String`) for its message (text/template/exec.go, evalCall).
            if let Some(callee) = argv.first().filter(|value| !value.is_nilish()) {
                let callee_name = match args.first() {
                    Some(arg) => arg.to_string(),
                    None => match callee {
                        Value::Str(text) => text.to_string(),
                        other => format!("<{} Value>", other.type_name()),
                    },
                };
                let message = format!("non-function {callee_name} of type {}", callee.type_name());
                self.at(call_loc);
                return Err(self.errorf(format!("error calling {name}: {message}")));
            }
        }
        match (function.call)(&mut self.ctx, argv) {
            Ok(value) => {
                if let Value::Str(s) = &value {
                    if s.len() > self.limits.max_output_bytes {
                        return Err(self.limit_error(&format!(
                            "a value exceeds {} bytes",
                            self.limits.max_output_bytes
                        )));
                    }
                }
                Ok(value)
            }
            Err(message) => {
                self.at(call_loc);
                Err(self.errorf(format!("error calling {name}: {message}")))
            }
        }
    }

    fn validate_type(&mut self, value: Value, ty: Option<Ty>) -> EResult<Value> {
        let Some(ty) = ty else {
            return Ok(value);
        };
        if let Value::Missing = value {
            return match ty {
                Ty::Reflect => Ok(Value::Missing),
                Ty::Any => Ok(Value::Nil),
                Ty::MapAny => Ok(Value::map(Default::default())),
                _ => Err(self.errorf(format!("invalid value; expected {}", ty.go_name()))),
            };
        }
        if matches!(ty, Ty::Reflect | Ty::Any) {
            return Ok(value);
        }
        if let Value::Nil = value {
            return Err(self.errorf(format!(
                "wrong type for value; expected {}; got interface {{}}",
                ty.go_name()
            )));
        }
        if ty.accepts(&value) {
            return Ok(value);
        }
        Err(self.errorf(format!(
            "wrong type for value; expected {}; got {}",
            ty.go_name(),
            value.type_name()
        )))
    }

    fn eval_arg(&mut self, dot: &Slot, ty: Option<Ty>, arg: &'t Arg) -> EResult<Value> {
        self.at(Loc::Arg(arg));
        let single = std::slice::from_ref(arg);
        match arg {
            Arg::Dot { .. } => return self.validate_type(dot.value.clone(), ty),
            Arg::Nil { .. } => {
                return match ty {
                    Some(Ty::Reflect) | None => Ok(Value::Missing),
                    Some(Ty::Any) => Ok(Value::Nil),
                    Some(Ty::MapAny) => Ok(Value::map(Default::default())),
                    Some(other) => {
                        Err(self.errorf(format!("cannot assign nil to {}", other.go_name())))
                    }
                };
            }
            Arg::Field { .. } => {
                let value = self.eval_field_node(dot, arg, single, None)?;
                return self.validate_type(value, ty);
            }
            Arg::Variable { .. } => {
                let value = self.eval_variable_node(dot, arg, single, None)?;
                return self.validate_type(value, ty);
            }
            Arg::Pipe(pipe) => {
                let value = self.eval_pipeline(dot, pipe)?;
                return self.validate_type(value, ty);
            }
            Arg::Identifier { .. } => {
                let value = self.eval_function(dot, arg, Loc::Arg(arg), &[], None)?;
                return self.validate_type(value, ty);
            }
            Arg::Chain { .. } => {
                let value = self.eval_chain_node(dot, arg, single, None)?;
                return self.validate_type(value, ty);
            }
            _ => {}
        }
        let Some(ty) = ty else {
            return Ok(Value::Missing);
        };
        match ty {
            Ty::Bool => match arg {
                Arg::Bool { value, .. } => Ok(Value::Bool(*value)),
                _ => Err(self.errorf(format!("expected bool; found {arg}"))),
            },
            Ty::Float => match arg {
                Arg::Number { number, .. } if number.is_float => Ok(Value::Float(number.float)),
                _ => Err(self.errorf(format!("expected float; found {arg}"))),
            },
            Ty::Int => match arg {
                Arg::Number { number, .. } if number.is_int => Ok(Value::int(number.int)),
                _ => Err(self.errorf(format!("expected integer; found {arg}"))),
            },
            Ty::Str => match arg {
                Arg::String { text, .. } => Ok(Value::str(text)),
                _ => Err(self.errorf(format!("expected string; found {arg}"))),
            },
            Ty::Any | Ty::Reflect => match arg {
                Arg::Bool { value, .. } => Ok(Value::Bool(*value)),
                Arg::Number { number, .. } => self.ideal_constant(arg, number),
                Arg::String { text, .. } => Ok(Value::str(text)),
                _ => Err(self.errorf(format!(
                    "can't handle {arg} for arg of type {}",
                    ty.go_name()
                ))),
            },
            Ty::MapAny | Ty::Time => Err(self.errorf(format!(
                "can't handle {arg} for arg of type {}",
                ty.go_name()
            ))),
        }
    }
}

/// Methods of `time.Time` and `*semver.Version` that take arguments or return types
/// this crate does not model.
const KNOWN_METHODS: &[&str] = &[
    "Add",
    "AddDate",
    "After",
    "AppendFormat",
    "Before",
    "Clock",
    "Compare",
    "Date",
    "Equal",
    "Format",
    "GoString",
    "In",
    "ISOWeek",
    "IsDST",
    "Location",
    "MarshalJSON",
    "Round",
    "Sub",
    "Truncate",
    "Zone",
    "IncMajor",
    "IncMinor",
    "IncPatch",
    "LessThan",
    "GreaterThan",
    "SetPrerelease",
    "SetMetadata",
    "MarshalText",
    "UnmarshalJSON",
    "Value",
    "Scan",
];

fn node_pos(node: &Node) -> usize {
    match node {
        Node::Text(_) => 0,
        Node::Action { pos, .. }
        | Node::Branch { pos, .. }
        | Node::Template { pos, .. }
        | Node::Break { pos }
        | Node::Continue { pos } => *pos,
    }
}
