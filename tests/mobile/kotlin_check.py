"""The Kotlin app walk of the API check: every use of the generated API in the
app's Kotlin, checked against the `Api` kotlin_api.read_api built.

See api_check.py for the rule. Kotlin specifics:
- A generated name is visible in a file only through `import
  uniffi.rapport_ffi.X` (or `.*`), so every such import must name a generated
  type or function, and nothing else in the file is taken for generated.
- Named arguments (`CheckInDraft(note = ...)`) must be parameter names of the
  constructor or function called; positional ones must not outnumber them.
- Types are followed as in Swift, plus `when (x) { is T -> ... }` smart casts,
  `?.let { it }` / `also` / `takeIf`, `withContext(...) { ... }` / `run { }`
  (what the block returns), the app's generic helpers (`attempt { ... }`
  returning `Result<T>`) and `Result` / `Pair` unwrapping. A declaration's
  types are read with the imports of its own file.
- Members every value has (`toString`, `copy`, `componentN`, `let`, enum
  `name`, exception `message`...) and the app's extension functions and
  properties on generated types are not missing.
- An app class implementing a generated interface (the foreign traits) must
  declare each of its functions and properties.
"""

from api_model import Finding, Scope, describe_signatures, element, generated_name, kotlin_arguments_match
from kotlin_api import (
    ELEMENT_LAMBDAS,
    INDEXED_LAMBDAS,
    ONE_ELEMENT,
    PACKAGE,
    PASS_THROUGH,
    RECEIVER_LAMBDAS,
    SAME_LIST,
    STATIC_EXTRAS,
    TYPE_NODES,
    UNIVERSAL_MEMBERS,
    body_of,
    first,
    function_parts,
    modifiers,
    named,
    parameters,
    parse_type,
    supertypes,
    text,
    type_node,
    user_type_names,
)


class AppType:
    def __init__(self, qualified):
        self.qualified = qualified
        self.properties = {}  # name -> (type node or None, value node or None, context)
        self.methods = {}  # name -> [(declaration, context)]



class KotlinChecker:
    """Walks the app's Kotlin files against one `Api`."""

    def __init__(self, api):
        self.api = api
        self.app_types = {}
        self.app_type_names = set()
        self.extension_members = {}
        self.functions = {}  # name -> [(declaration, context)] (top level and members)
        self.findings = []
        self.seen = set()
        self.checked = 0
        self.path = None
        self.imports = {}
        self.inferred = {}
        self.lambda_params = {}

    # ---------------------------------------------------------- declarations
    def declare(self, tree):
        """What the app's types store and return, by nesting; each with the
        imports of its own file, which its type names are read with."""
        self.imports = self.read_imports(tree.root_node, report=False)
        self._declare(tree.root_node, [])

    def read_imports(self, root, report):
        """Local name -> generated name, from the file's `import uniffi.rapport_ffi...`."""
        imports, wildcard = {}, False
        for header in root.named_children:
            if header.type != "import":
                continue
            ident = first(header, "qualified_identifier")
            if ident is None:
                continue
            parts = [text(c) for c in named(ident, "identifier")]
            if header.text.rstrip().endswith(b"*"):
                wildcard = wildcard or parts == PACKAGE.split(".")
                continue
            if parts[:-1] != PACKAGE.split("."):
                continue
            alias = first(header, "import_alias")
            alias_name = first(alias, "identifier") if alias is not None else None
            local = text(alias_name) if alias_name is not None else parts[-1]
            if report:
                self.checked += 1
                if parts[-1] not in self.api.types and parts[-1] not in self.api.functions:
                    self.report(ident, f"`import {PACKAGE}.{parts[-1]}`: the bindings have no type or function `{parts[-1]}`")
            imports[local] = parts[-1]
        if wildcard:
            for name in list(self.api.types) + list(self.api.functions):
                if "." not in name:
                    imports.setdefault(name, name)
        return imports

    def with_imports(self, imports, work):
        """Runs `work()` reading names as the file with `imports` does."""
        saved, self.imports = self.imports, imports
        try:
            return work()
        finally:
            self.imports = saved

    def _declare(self, node, context):
        for c in node.named_children:
            if c.type in ("class_declaration", "object_declaration"):
                name_node = c.child_by_field_name("name") or first(c, "identifier")
                if name_node is None:
                    continue
                name = text(name_node)
                self.app_type_names.add(name)
                qualified = ".".join(context + [name])
                app = self.app_types.setdefault(qualified, AppType(qualified))
                inner = qualified.split(".")
                constructor = first(c, "primary_constructor")
                if constructor is not None:
                    for p in named(first(constructor, "class_parameters") or constructor, "class_parameter"):
                        ident = first(p, "identifier")
                        if ident is not None and any(text(k) in ("val", "var") for k in p.children):
                            app.properties[text(ident)] = (type_node(p), None, inner, self.imports)
                body = body_of(c)
                for m in body.named_children if body is not None else []:
                    if m.type == "property_declaration" and not self.is_extension_property(m):
                        var = first(m, "variable_declaration")
                        ident = first(var, "identifier") if var is not None else None
                        if ident is not None:
                            value = self.property_value(m)
                            app.properties[text(ident)] = (type_node(var), value, inner, self.imports)
                    elif m.type == "function_declaration":
                        app.methods.setdefault(text(m.child_by_field_name("name")), []).append((m, inner, self.imports))
                        self.functions.setdefault(text(m.child_by_field_name("name")), []).append((m, inner, self.imports))
                    elif m.type == "companion_object":
                        companion = body_of(m)
                        for s in companion.named_children if companion is not None else []:
                            if s.type == "function_declaration":
                                app.methods.setdefault(text(s.child_by_field_name("name")), []).append((s, inner, self.imports))
                if body is not None:
                    self._declare(body, inner)
            elif c.type == "function_declaration":
                name = c.child_by_field_name("name")
                if name is None:
                    continue
                receiver = self.receiver_of(c)
                if receiver is not None:
                    self.extension_members.setdefault(receiver, set()).add(text(name))
                self.functions.setdefault(text(name), []).append((c, context, self.imports))
            elif c.type == "property_declaration":
                receiver = self.receiver_of(c)
                var = first(c, "variable_declaration")
                ident = first(var, "identifier") if var is not None else None
                if receiver is not None and ident is not None:
                    self.extension_members.setdefault(receiver, set()).add(text(ident))
            elif c.type == "type_alias":
                ident = first(c, "identifier")
                if ident is not None:
                    self.app_type_names.add(text(ident))

    def property_value(self, declaration):
        seen_equals = False
        for c in declaration.children:
            if c.type == "=":
                seen_equals = True
            elif seen_equals and c.is_named:
                return c
        return None

    def is_extension_property(self, node):
        return any(c.type in TYPE_NODES for c in node.named_children if c.type != "variable_declaration") and first(node, "variable_declaration") is not None and any(
            c.type in TYPE_NODES and c.end_byte <= first(node, "variable_declaration").start_byte for c in node.named_children
        )

    def receiver_of(self, node):
        """The generated type an extension function or property extends, if any."""
        anchor = node.child_by_field_name("name") if node.type == "function_declaration" else first(node, "variable_declaration")
        if anchor is None:
            return None
        for c in node.named_children:
            if c.type in TYPE_NODES and c.end_byte <= anchor.start_byte:
                names = user_type_names(c) if c.type == "user_type" else user_type_names(type_node(c) or c)
                joined = ".".join(names)
                if joined in self.api.types:
                    return joined
        return None

    def resolver(self, context, generics=None):
        def resolve(names):
            joined = ".".join(names)
            if generics and joined in generics:
                return generics[joined]
            for depth in range(len(context), -1, -1):
                candidate = ".".join(context[:depth] + [joined])
                if candidate in self.app_types:
                    return ("app", candidate)
            if names[: len(PACKAGE.split("."))] == PACKAGE.split("."):
                names = names[len(PACKAGE.split(".")):]
            head = self.imports.get(names[0])
            if head is not None:
                full = ".".join([head] + names[1:])
                if full in self.api.types:
                    return ("gen", full)
            return None

        return resolve

    # ---------------------------------------------------------- checking
    def report(self, node, what):
        row, column = node.start_point
        finding = Finding(self.path, row + 1, column + 1, what)
        key = (finding.line, finding.column, what)
        if key not in self.seen:
            self.seen.add(key)
            self.findings.append(finding)

    def check_file(self, path, tree):
        self.path = path
        self.seen = set()
        self.inferred = {}
        self.lambda_params = {}
        root = tree.root_node
        self.imports = self.read_imports(root, report=True)
        self.visit(root, Scope(context=[]))

    def visit(self, node, scope):
        kind = node.type
        if kind in ("import", "package_header", "modifiers", "annotation"):
            return
        if kind in ("class_declaration", "object_declaration"):
            return self.visit_type(node, scope)
        if kind in ("function_declaration", "secondary_constructor", "getter", "setter"):
            return self.visit_function(node, scope)
        if kind in ("block", "control_structure_body", "statements"):
            inner = Scope(scope)
            for c in node.named_children:
                self.visit(c, inner)
            return
        if kind == "property_declaration":
            return self.visit_property(node, scope)
        if kind == "for_statement":
            return self.visit_for(node, scope)
        if kind == "when_expression":
            return self.visit_when(node, scope)
        if kind == "catch_block":
            return self.visit_catch(node, scope)
        if kind == "lambda_literal":
            return self.visit_lambda(node, scope)
        if kind == "user_type":
            self.check_type(node, scope)
            return
        if kind == "navigation_expression":
            self.check_member(node, scope)
        elif kind == "call_expression":
            self.check_call(node, scope)
        for c in node.named_children:
            self.visit(c, scope)

    def visit_type(self, node, scope):
        name_node = node.child_by_field_name("name") or first(node, "identifier")
        if name_node is None:
            return
        qualified = ".".join(scope.context + [text(name_node)])
        inner = Scope(scope, self_type=("app", qualified), context=qualified.split("."))
        app = self.app_types.get(qualified)
        self.check_conformance(node, name_node, app, scope)
        for prop in app.properties if app else []:
            inner.bind(prop, self.app_property(qualified, prop))
        for c in node.named_children:
            if c is name_node:
                continue
            self.visit(c, inner)

    def check_conformance(self, node, name_node, app, scope):
        """An app class implementing a generated interface (the foreign traits:
        Transport, SecretStore) must declare each of its functions: a function
        renamed in Rust leaves the old one implemented and the new one not."""
        if app is None or "abstract" in modifiers(node) or any(c.type == "interface" for c in node.children):
            return
        for parent in supertypes(node):
            resolved = self.resolver(scope.context)(parent.split("."))
            interface = self.api.type(resolved[1]) if resolved and resolved[0] == "gen" else None
            if interface is None or interface.kind != "interface":
                continue
            for required in self.api.lineage(interface.name):
                for method in required.methods:
                    self.checked += 1
                    if method not in app.methods:
                        self.report(name_node, f"{app.qualified} implements {interface.name} but has no `{method}`")
                for field_name in required.fields:
                    self.checked += 1
                    if field_name not in app.properties:
                        self.report(name_node, f"{app.qualified} implements {interface.name} but has no `{field_name}`")

    def visit_function(self, node, scope):
        inner = Scope(scope)
        generics = self.generic_names(node)
        params = first(node, "function_value_parameters")
        if params is not None:
            for name, ty, _, p in parameters(params, self.resolver(scope.context, {g: None for g in generics})):
                if name:
                    inner.bind(name, ty)
                for t in p.named_children:
                    if t.type in TYPE_NODES:
                        self.visit(t, scope)
                    elif t.type not in ("identifier", "modifiers"):
                        self.visit(t, inner)
        for c in node.named_children:
            if c is params or c.type in ("type_parameters", "identifier"):
                continue
            self.visit(c, inner)

    def generic_names(self, node):
        out = []
        params = first(node, "type_parameters")
        for p in params.named_children if params is not None else []:
            ident = first(p, "identifier")
            if ident is not None:
                out.append(text(ident))
        return out

    def app_property(self, qualified, name):
        app = self.app_types.get(qualified)
        if app is None or name not in app.properties:
            return None
        ty_node, value, context, imports = app.properties[name]
        if ty_node is not None:
            return self.with_imports(imports, lambda: parse_type(ty_node, self.resolver(context)))
        if value is not None:
            return self.with_imports(imports, lambda: self.infer(value, Scope(context=context)))
        return None

    def visit_property(self, node, scope):
        value = self.property_value(node)
        for c in node.named_children:
            if c.type in TYPE_NODES:
                self.visit(c, scope)
        if value is not None:
            self.visit(value, scope)
        for c in node.named_children:
            if c.type in ("getter", "setter", "property_delegate"):
                self.visit(c, scope)
        single = first(node, "variable_declaration")
        multi = first(node, "multi_variable_declaration")
        if single is not None:
            ident = first(single, "identifier")
            ty_node = type_node(single)
            if ty_node is not None:
                self.visit(ty_node, scope)
            ty = parse_type(ty_node, self.resolver(scope.context)) if ty_node is not None else self.infer(value, scope)
            if ident is not None:
                scope.bind(text(ident), ty)
        elif multi is not None:
            ty = self.infer(value, scope)
            parts = named(multi, "variable_declaration")
            members = ty[1] if ty and ty[0] == "tuple" else []
            for index, var in enumerate(parts):
                ident = first(var, "identifier")
                if ident is not None:
                    scope.bind(text(ident), members[index] if index < len(members) else None)

    def visit_for(self, node, scope):
        inner = Scope(scope)
        var = first(node, "variable_declaration")
        collection = None
        for c in node.named_children:
            if c is not var and c.type not in ("block", "control_structure_body") and collection is None and c.start_byte > (var.end_byte if var else 0):
                collection = c
        if collection is not None:
            self.visit(collection, scope)
        if var is not None:
            ident = first(var, "identifier")
            if ident is not None:
                inner.bind(text(ident), element(self.infer(collection, scope)))
        for c in node.named_children:
            if c is not var and c is not collection:
                self.visit(c, inner)

    def visit_when(self, node, scope):
        subject = first(node, "when_subject")
        subject_name = None
        inner = Scope(scope)
        if subject is not None:
            var = first(subject, "variable_declaration")
            expressions = [c for c in subject.named_children if c is not var]
            for e in expressions:
                self.visit(e, scope)
            if var is not None:
                ident = first(var, "identifier")
                if ident is not None:
                    subject_name = text(ident)
                    inner.bind(subject_name, self.infer(expressions[0], scope) if expressions else None)
            elif expressions and expressions[0].type == "identifier":
                subject_name = text(expressions[0])
        for entry in named(node, "when_entry"):
            branch = Scope(inner)
            casts = []
            for c in entry.named_children:
                if entry.field_name_for_child(list(entry.children).index(c)) == "condition":
                    if c.type == "type_test":
                        user = type_node(c)
                        if user is not None:
                            self.visit(user, scope)
                            casts.append(parse_type(user, self.resolver(scope.context)))
                    else:
                        self.visit(c, inner)
            if subject_name and len(casts) == 1 and casts[0] is not None:
                branch.bind(subject_name, casts[0])
            for c in entry.named_children:
                if entry.field_name_for_child(list(entry.children).index(c)) != "condition":
                    self.visit(c, branch)

    def visit_catch(self, node, scope):
        inner = Scope(scope)
        ident = first(node, "identifier")
        ty_node = type_node(node)
        if ty_node is not None:
            self.visit(ty_node, scope)
        if ident is not None:
            inner.bind(text(ident), parse_type(ty_node, self.resolver(scope.context)) if ty_node is not None else None)
        for c in node.named_children:
            if c is not ident and c is not ty_node:
                self.visit(c, inner)

    def visit_lambda(self, node, scope):
        inner = Scope(scope)
        given = self.lambda_params.get(node.id, [])
        params = first(node, "lambda_parameters")
        names = []
        if params is not None:
            for var in params.named_children:
                ident = first(var, "identifier") if var.type == "variable_declaration" else None
                names.append(text(ident) if ident is not None else None)
        for index, name in enumerate(names):
            if name:
                inner.bind(name, given[index] if index < len(given) else None)
        inner.bind("it", given[0] if not names and given else None)
        for c in node.named_children:
            if c is not params:
                self.visit(c, inner)

    # ---------------------------------------------------------- rules
    def type_reference(self, node, scope):
        if node.type != "identifier":
            return None
        name = text(node)
        if name not in self.imports or scope.lookup(name)[0]:
            return None
        target = self.imports[name]
        if target not in self.api.types:
            return None
        for depth in range(len(scope.context), -1, -1):
            if ".".join(scope.context[:depth] + [name]) in self.app_types:
                return None
        return target

    def check_type(self, node, scope):
        names = user_type_names(node)
        for arguments in named(node, "type_arguments"):
            for projection in arguments.named_children:
                inner = type_node(projection)
                if inner is not None:
                    self.visit(inner, scope)
        if names[: len(PACKAGE.split("."))] == PACKAGE.split("."):
            names = names[len(PACKAGE.split(".")):]
            if names:
                self.checked += 1
                if names[0] not in self.api.types:
                    self.report(node, f"the bindings have no type `{names[0]}`")
                    return
            head = names[0] if names else None
        else:
            head = self.imports.get(names[0]) if names else None
            if head is None or head not in self.api.types or names[0] in self.app_type_names:
                return
        for index in range(1, len(names)):
            parent = ".".join([head] + names[1:index])
            self.checked += 1
            if parent in self.api.types and names[index] not in self.api.types[parent].nested:
                self.report(node, f"{parent} has no nested type `{names[index]}`")
                return

    def member_of(self, node):
        """(target, member identifier) of a navigation expression."""
        kids = node.named_children
        if len(kids) < 2 or kids[-1].type != "identifier":
            return None, None
        return kids[0], kids[-1]

    def check_member(self, node, scope):
        target, member_node = self.member_of(node)
        if target is None:
            return
        member = text(member_node)
        reference = self.type_reference(target, scope)
        if reference is not None:
            self.checked += 1
            if (
                not self.api.has_static_member(reference, member)
                and member not in STATIC_EXTRAS
                and member not in self.extension_members.get(reference, ())
            ):
                self.report(member_node, f"{reference} has no companion function, entry or nested type `{member}`")
            return
        owner = generated_name(self.infer(target, scope))
        if owner is None:
            return
        self.checked += 1
        if (
            self.api.has_instance_member(owner, member)
            or member in UNIVERSAL_MEMBERS
            or member in self.extension_members.get(owner, ())
            or any(member in self.extension_members.get(t.name, ()) for t in self.api.lineage(owner))
        ):
            return
        self.report(member_node, f"{owner} has no member `{member}`")

    def call_parts(self, node):
        """(callee, [(name, is_trailing_lambda, value)]) of a call; a trailing
        lambda after `f(a)` is parsed as a call of the call, and merged here."""
        kids = node.named_children
        if not kids:
            return None, []
        callee, rest = kids[0], kids[1:]
        args = []
        if callee.type == "call_expression" and rest and all(c.type == "annotated_lambda" for c in rest):
            callee, args = self.call_parts(callee)
        for c in rest:
            if c.type == "value_arguments":
                for argument in named(c, "value_argument"):
                    parts = argument.named_children
                    if any(k.type == "=" for k in argument.children) and parts and parts[0].type == "identifier":
                        args.append((text(parts[0]), False, parts[-1]))
                    else:
                        args.append((None, False, parts[-1] if parts else None))
            elif c.type == "annotated_lambda":
                args.append((None, True, first(c, "lambda_literal")))
        return callee, args

    def is_head_of_trailing_call(self, node):
        parent = node.parent
        return (
            parent is not None
            and parent.type == "call_expression"
            and parent.named_children
            and parent.named_children[0] == node
            and all(c.type == "annotated_lambda" for c in parent.named_children[1:])
            and len(parent.named_children) > 1
        )

    def callee_signatures(self, callee, scope):
        reference = self.type_reference(callee, scope)
        if reference is not None:
            return f"{reference}", self.api.types[reference].inits, ("gen", reference)
        if callee.type == "identifier":
            name = text(callee)
            if name in self.imports and self.imports[name] in self.api.functions and not scope.lookup(name)[0]:
                return name, self.api.functions[self.imports[name]], None
            return None
        if callee.type == "navigation_expression":
            target, member_node = self.member_of(callee)
            if target is None:
                return None
            member = text(member_node)
            reference = self.type_reference(target, scope)
            if reference is not None:
                t = self.api.types[reference]
                if member in t.statics:
                    return f"{reference}.{member}", t.statics[member], None
                nested = f"{reference}.{member}"
                if nested in self.api.types:
                    return nested, self.api.types[nested].inits, ("gen", nested)
                return None
            owner = generated_name(self.infer(target, scope))
            if owner is not None:
                methods = self.api.methods(owner, member)
                if methods:
                    return f"{owner}.{member}", methods, None
        return None

    def check_call(self, node, scope):
        if self.is_head_of_trailing_call(node):
            return
        callee, args = self.call_parts(node)
        if callee is None:
            return
        self.prepare_lambdas(callee, args, scope)
        found = self.callee_signatures(callee, scope)
        if found is None:
            return
        description, signatures, _ = found
        if not signatures:
            return
        self.checked += 1
        shape = [(name, trailing) for name, trailing, _ in args]
        if not any(kotlin_arguments_match(s.params, shape) for s in signatures):
            given = ", ".join(name or "_" for name, trailing, _ in args if not trailing)
            self.report(
                callee,
                f"no {description} takes ({given}); the bindings have "
                + describe_signatures(description.split(".")[-1], signatures, swift=False),
            )

    def prepare_lambdas(self, callee, args, scope):
        lambdas = [value for _, trailing, value in args if value is not None and value.type == "lambda_literal"]
        if not lambdas:
            return
        types = None
        if callee.type == "navigation_expression":
            target, member_node = self.member_of(callee)
            if target is None:
                return
            member = text(member_node)
            receiver = self.infer(target, scope)
            if receiver and receiver[0] == "list":
                if member in ELEMENT_LAMBDAS:
                    types = [receiver[1]]
                elif member in INDEXED_LAMBDAS:
                    types = [None, receiver[1]]
            elif member in RECEIVER_LAMBDAS and receiver is not None:
                types = [receiver]
        elif callee.type == "identifier" and text(callee) in ("items", "itemsIndexed"):
            values = [value for name, trailing, value in args if not trailing and name is None]
            if values:
                elem = element(self.infer(values[0], scope))
                types = [elem] if text(callee) == "items" else [None, elem]
        if types:
            for value in lambdas:
                self.lambda_params[value.id] = types

    # ---------------------------------------------------------- inference
    def infer(self, node, scope):
        if node is None:
            return None
        if node.id in self.inferred:
            return self.inferred[node.id]
        self.inferred[node.id] = None
        ty = self._infer(node, scope)
        self.inferred[node.id] = ty
        return ty

    def _infer(self, node, scope):
        kind = node.type
        if kind == "identifier":
            found, ty = scope.lookup(text(node))
            if found:
                return ty
            reference = self.type_reference(node, scope)
            return ("gen-type", reference) if reference else None
        if kind == "this_expression":
            return scope.self_type
        if kind in ("parenthesized_expression",):
            return self.infer(node.named_children[0], scope) if node.named_children else None
        if kind == "unary_expression":
            argument = node.child_by_field_name("argument")
            operator = node.child_by_field_name("operator")
            if argument is not None and operator is not None and operator.type == "!!":
                return self.infer(argument, scope)
            return None
        if kind == "binary_expression":
            operator = node.child_by_field_name("operator")
            if operator is not None and operator.type == "?:":
                return self.infer(node.child_by_field_name("left"), scope)
            return None
        if kind == "as_expression":
            return parse_type(node.child_by_field_name("right"), self.resolver(scope.context))
        if kind == "index_expression":
            container = self.infer(node.named_children[0], scope) if node.named_children else None
            if container and container[0] == "list":
                return container[1]
            if container and container[0] == "map":
                return container[2]
            return None
        if kind == "navigation_expression":
            return self.infer_member(node, scope)
        if kind == "call_expression":
            return self.infer_call(node, scope)
        if kind == "lambda_literal":
            statements = [c for c in node.named_children if c.type != "lambda_parameters"]
            if not statements:
                return None
            inner = Scope(scope)
            inner.bind("it", None)
            params = first(node, "lambda_parameters")
            for var in params.named_children if params is not None else []:
                ident = first(var, "identifier")
                if ident is not None:
                    inner.bind(text(ident), None)
            return self.infer(statements[-1], inner)
        if kind in ("if_expression", "try_expression"):
            return None
        return None

    def infer_member(self, node, scope):
        target, member_node = self.member_of(node)
        if target is None:
            return None
        member = text(member_node)
        receiver = self.infer(target, scope)
        if receiver is None:
            return None
        if receiver[0] == "gen":
            return self.api.field_type(receiver[1], member)[1]
        if receiver[0] == "gen-type":
            t = self.api.types[receiver[1]]
            if member in t.cases:
                return ("gen", receiver[1])
            if f"{receiver[1]}.{member}" in self.api.types:
                return ("gen-type", f"{receiver[1]}.{member}")
            return t.static_fields.get(member)
        if receiver[0] == "app":
            return self.app_property(receiver[1], member)
        if receiver[0] == "map":
            if member == "values":
                return ("list", receiver[2])
            if member == "keys":
                return ("list", receiver[1])
        if receiver[0] == "tuple" and member in ("first", "second"):
            index = 0 if member == "first" else 1
            return receiver[1][index] if index < len(receiver[1]) else None
        return None

    def infer_call(self, node, scope):
        callee, args = self.call_parts(node)
        if callee is None:
            return None
        found = self.callee_signatures(callee, scope)
        if found is not None:
            _, signatures, constructed = found
            if constructed is not None:
                return constructed
            returns = {repr(s.returns) for s in signatures}
            return signatures[0].returns if len(returns) == 1 and signatures else None
        lambdas = [value for _, trailing, value in args if trailing]
        if callee.type == "identifier":
            name = text(callee)
            if scope.lookup(name)[0]:
                return None
            if name in PASS_THROUGH and len(lambdas) == 1:
                return self.infer(lambdas[0], scope)
            if name == "Pair" and len(args) == 2:
                return ("tuple", [self.infer(value, scope) for _, _, value in args])
            if name in self.functions:
                return self.infer_app_function(self.functions[name], args, scope)
            resolved = self.resolver(scope.context)([name])
            return resolved if resolved and resolved[0] == "app" else None
        if callee.type == "navigation_expression":
            target, member_node = self.member_of(callee)
            if target is None:
                return None
            member = text(member_node)
            receiver = self.infer(target, scope)
            if receiver is None:
                return None
            if receiver[0] == "list":
                if member in SAME_LIST:
                    return receiver
                if member in ONE_ELEMENT:
                    return receiver[1]
            if receiver[0] == "result" and member in ("getOrNull", "getOrThrow", "getOrElse", "getOrDefault"):
                return receiver[1]
            if member in ("let", "run") and len(lambdas) == 1:
                return None
            if member in ("also", "apply", "takeIf", "takeUnless"):
                return receiver
            if receiver[0] == "app":
                app = self.app_types.get(receiver[1])
                if app and member in app.methods:
                    return self.infer_app_function(app.methods[member], args, scope)
        return None

    def infer_app_function(self, declarations, args, scope):
        """An app function's declared result; for a generic helper taking a
        block (`fun <T> attempt(block: () -> T): Result<T>`), with T what the
        block returns."""
        if len(declarations) != 1:
            return None
        declaration, context, imports = declarations[0]
        _, returns = function_parts(declaration)
        if returns is None:
            return None
        generics = self.generic_names(declaration)
        bound = {}
        if len(generics) == 1:
            lambdas = [value for _, trailing, value in args if value is not None and value.type == "lambda_literal"]
            bound[generics[0]] = self.infer(lambdas[-1], scope) if len(lambdas) == 1 else None
        elif generics:
            bound = {g: None for g in generics}
        return self.with_imports(imports, lambda: parse_type(returns, self.resolver(context, bound)))
