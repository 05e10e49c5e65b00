"""The Swift app walk of the API check: every use of the generated API in the
app's Swift, checked against the `Api` swift_api.read_api built.

See api_check.py for the rule. Swift specifics:
- A value's type is followed from declarations (`let x: T`, parameters, stored
  properties of the app's own types), initial values (`let x = client.sync(...)`),
  `if let` / `guard let`, `for x in`, `as?` / `as!`, closure parameters of the
  standard sequence methods and of SwiftUI's `ForEach` / `List`, the app's
  pass-through helpers (`offMain { ... }`: a generic function returning what
  its closure returns), and enum case patterns (`case .active(let paused)`).
- Members every Swift value has (`hashValue`, `description`,
  `localizedDescription`...) and members the app adds in its own `extension`s
  of generated types are not missing.
- An app type adopting a generated protocol (the foreign traits) must
  implement each of its requirements, with their labels.
- A type name is "unknown" if neither the app nor the bindings declare it and
  it is not in swift_api.PLATFORM_TYPES, and an unqualified call of a
  lower-case name nobody declares is an "unknown function" unless it is in
  swift_api.PLATFORM_FUNCTIONS: a renamed generated type or top-level
  function leaves its old name declared nowhere. There is no Apple SDK on
  this machine to ask, so those two lists are the one place to extend when an
  app starts using a new Apple name; the failure says so.
"""

from api_model import Finding, Scope, describe_signatures, element, generated_name, swift_arguments_match
from swift_api import (
    callable_of,
    MODULES,
    NOT_TYPES,
    OPTIONAL_CASES,
    PLATFORM_FUNCTIONS,
    PLATFORM_TYPES,
    TYPE_NODES,
    UNIVERSAL_MEMBERS,
    ELEMENT_CLOSURES,
    ONE_ELEMENT,
    SAME_LIST,
    closure_parameter_names,
    declaration_kind,
    declared_name,
    fields,
    parameters,
    parse_type,
    pattern_identifiers,
    return_type_node,
    text,
    type_child,
    walk,
)


class AppType:
    """A type the app declares (or extends), with what it stores."""

    def __init__(self, qualified):
        self.qualified = qualified
        self.properties = {}  # name -> (type node, context)
        self.methods = {}  # name -> (declaration node, context)



class SwiftChecker:
    """Walks the app's Swift files against one `Api`."""

    def __init__(self, api):
        self.api = api
        self.app_types = {}  # qualified name -> AppType
        self.app_type_names = set()  # simple names of every type the app declares
        self.extension_members = {}  # generated type -> member names the app adds
        self.extension_callables = {}  # (generated type, function or "init") -> app overloads
        self.functions = {}  # app top-level / member function name -> declaration nodes
        self.function_names = set()  # every function the app declares, local ones too
        self.globals = {}  # top-level var name -> (type node, context)
        self.findings = []
        self.seen = set()
        self.checked = 0
        self.path = None
        self.inferred = {}
        self.closure_params = {}
        self._local_types = None

    # ---------------------------------------------------------- declarations
    def declare_names(self, tree):
        """Every type name the app declares anywhere (nested, local, generic
        parameters, aliases). Run on every file before declare_members."""
        for node in walk(tree.root_node):
            if node.type in ("class_declaration", "protocol_declaration"):
                name = declared_name(node)
                if name and declaration_kind(node) != "extension":
                    self.app_type_names.add(name)
            elif node.type in ("typealias_declaration", "associatedtype_declaration"):
                name = node.child_by_field_name("name")
                if name is not None:
                    self.app_type_names.add(text(name))
            elif node.type in ("function_declaration", "protocol_function_declaration"):
                # Local functions too (declared inside a body): called by name.
                name = node.child_by_field_name("name")
                if name is not None:
                    self.function_names.add(text(name))
            elif node.type == "type_parameter":
                for n in node.named_children:
                    if n.type == "type_identifier":
                        self.app_type_names.add(text(n))
                        break

    def declare_members(self, tree):
        """What the app's types store and return, by nesting."""
        self._declare(tree.root_node, [])

    def _declare(self, node, context):
        for c in node.named_children:
            if c.type in ("class_declaration", "protocol_declaration"):
                name = declared_name(c)
                if not name:
                    continue
                kind = declaration_kind(c)
                if kind == "extension" and name in self.api.types and name not in self.app_type_names:
                    members = self.extension_members.setdefault(name, set())
                    body = c.child_by_field_name("body")
                    for m in body.named_children if body is not None else []:
                        members.update(self.member_names(m))
                        # Overloads the app adds count for calls too.
                        if m.type == "function_declaration":
                            key = (name, text(m.child_by_field_name("name")))
                        elif m.type == "init_declaration":
                            key = (name, "init")
                        else:
                            continue
                        signature = callable_of(m, self.resolver(context))
                        self.extension_callables.setdefault(key, []).append(signature)
                    continue
                qualified = ".".join(context + [name]) if kind != "extension" else self.qualify(name, context)
                app = self.app_types.setdefault(qualified, AppType(qualified))
                body = c.child_by_field_name("body")
                inner = qualified.split(".")
                for m in body.named_children if body is not None else []:
                    if m.type in ("property_declaration", "protocol_property_declaration"):
                        for pattern in fields(m, "name"):
                            for ident in pattern_identifiers(pattern):
                                app.properties[ident] = (m, inner)
                    elif m.type in ("function_declaration", "protocol_function_declaration"):
                        app.methods.setdefault(text(m.child_by_field_name("name")), []).append((m, inner))
                if body is not None:
                    self._declare(body, inner)
            elif c.type == "function_declaration":
                self.functions.setdefault(text(c.child_by_field_name("name")), []).append((c, context))
            elif c.type == "property_declaration" and not context:
                for pattern in fields(c, "name"):
                    for ident in pattern_identifiers(pattern):
                        self.globals[ident] = (c, context)

    def member_names(self, m):
        if m.type in ("property_declaration", "protocol_property_declaration"):
            return [i for p in fields(m, "name") for i in pattern_identifiers(p)]
        if m.type in ("function_declaration", "protocol_function_declaration"):
            return [text(m.child_by_field_name("name"))]
        if m.type == "class_declaration":
            return [declared_name(m)]
        return []

    def qualify(self, name, context):
        """The app type `name` refers to from inside `context`, if any."""
        for depth in range(len(context), -1, -1):
            candidate = ".".join(context[:depth] + [name])
            if candidate in self.app_types:
                return candidate
        return name

    def resolver(self, context):
        def resolve(names):
            if names[0] in MODULES and len(names) > 1:
                names = names[1:]
            joined = ".".join(names)
            for depth in range(len(context), -1, -1):
                candidate = ".".join(context[:depth] + [joined])
                if candidate in self.app_types:
                    return ("app", candidate)
            if len(names) == 1 and names[0] in self.api.types:
                return ("gen", names[0])
            return None

        return resolve

    def declared_type(self, declaration, context):
        return parse_type(type_child(declaration), self.resolver(context))

    def app_property(self, qualified, name):
        app = self.app_types.get(qualified)
        if app is None or name not in app.properties:
            return False, None
        declaration, context = app.properties[name]
        ty = self.declared_type(declaration, context)
        if ty is None:
            value = declaration.child_by_field_name("value")
            if value is not None:
                ty = self.infer(value, Scope(context=context))
        return True, ty

    # ---------------------------------------------------------- checking
    def report(self, node, what):
        row, column = node.start_point
        finding = Finding(self.path, row + 1, column + 1, what)
        if (finding.path, finding.line, finding.column, what) not in self.seen:
            self.seen.add((finding.path, finding.line, finding.column, what))
            self.findings.append(finding)

    def check_file(self, path, tree):
        self.path = path
        self.inferred = {}
        self.closure_params = {}
        self.visit(tree.root_node, Scope(context=[]))

    def visit(self, node, scope):
        kind = node.type
        if kind in ("attribute", "modifiers"):
            return
        if kind in ("class_declaration", "protocol_declaration"):
            return self.visit_type(node, scope)
        if kind in ("function_declaration", "init_declaration", "protocol_function_declaration"):
            inner = Scope(scope)
            resolve = self.resolver(scope.context)
            for _, internal, ty, _, ty_node in parameters(node, resolve):
                if internal:
                    inner.bind(internal, ty)
                if ty_node is not None:
                    self.check_type_names(ty_node, scope)
            returns = return_type_node(node)
            if returns is not None:
                self.check_type_names(returns, scope)
            for c in node.named_children:
                if c.type not in ("parameter",) and c is not returns:
                    self.visit(c, inner)
            return
        if kind == "statements":
            inner = Scope(scope)
            for c in node.named_children:
                self.visit(c, inner)
            return
        if kind == "property_declaration":
            return self.visit_property(node, scope)
        if kind in ("if_statement", "guard_statement", "while_statement"):
            return self.visit_conditional(node, scope)
        if kind == "for_statement":
            return self.visit_for(node, scope)
        if kind == "switch_statement":
            return self.visit_switch(node, scope)
        if kind == "catch_block":
            return self.visit_catch(node, scope)
        if kind == "lambda_literal":
            return self.visit_closure(node, scope)
        if kind in ("type_annotation", "user_type", "inheritance_specifier"):
            self.check_type_names(node, scope)
            return
        if kind == "navigation_expression":
            self.check_member(node, scope)
        elif kind == "call_expression":
            self.check_call(node, scope)
        elif kind == "prefix_expression":
            self.check_implicit_member(node, None, scope)
        elif kind == "equality_expression":
            self.check_comparison(node, scope)
        elif kind == "assignment":
            self.check_assignment(node, scope)
        elif kind == "as_expression":
            for c in node.named_children:
                if c.type in TYPE_NODES:
                    self.check_type_names(c, scope)
        for c in node.named_children:
            self.visit(c, scope)

    def visit_type(self, node, scope):
        name = declared_name(node)
        kind = declaration_kind(node)
        body = node.child_by_field_name("body")
        for c in node.named_children:
            if c.type == "inheritance_specifier":
                self.check_type_names(c, scope)
        if name is None:
            return
        if kind == "extension" and name in self.api.types and name not in self.app_type_names:
            inner = Scope(scope, self_type=("gen", name), context=scope.context)
            for field_name, ty in self.api.types[name].fields.items():
                inner.bind(field_name, ty)
        else:
            qualified = self.qualify(name, scope.context) if kind == "extension" else ".".join(scope.context + [name])
            inner = Scope(scope, self_type=("app", qualified), context=qualified.split("."))
            app = self.app_types.get(qualified)
            for prop in app.properties if app else []:
                inner.bind(prop, self.app_property(qualified, prop)[1])
            self.check_conformance(node, app, scope)
        if body is not None:
            for c in body.named_children:
                self.visit(c, inner)

    def check_conformance(self, node, app, scope):
        """An app type adopting a generated protocol (the foreign traits:
        Transport, SecretStore) must declare each requirement with its
        labels: a method renamed in Rust leaves the old one implemented."""
        if app is None:
            return
        resolve = self.resolver(scope.context)
        for inherit in node.named_children:
            if inherit.type != "inheritance_specifier":
                continue
            for user in inherit.named_children:
                if user.type != "user_type":
                    continue
                names = [text(c) for c in user.named_children if c.type == "type_identifier"]
                resolved = resolve(names) if names else None
                protocol = self.api.type(resolved[1]) if resolved and resolved[0] == "gen" else None
                if protocol is None or protocol.kind != "protocol":
                    continue
                for required in self.api.lineage(protocol.name):
                    for method, signatures in required.methods.items():
                        self.checked += 1
                        wanted = [[p.label for p in c.params] for c in signatures]
                        have = [
                            [label for label, *_ in parameters(declaration, resolve)]
                            for declaration, _ in app.methods.get(method, [])
                        ]
                        if not any(labels in wanted for labels in have):
                            shape = describe_signatures(method, signatures, swift=True)
                            self.report(user, f"{app.qualified} adopts {protocol.name} but does not implement {shape}")
                    for field_name in required.fields:
                        self.checked += 1
                        if field_name not in app.properties:
                            self.report(user, f"{app.qualified} adopts {protocol.name} but has no `{field_name}`")

    def visit_property(self, node, scope):
        annotation = type_child(node)
        if annotation is not None:
            self.check_type_names(annotation, scope)
        declared = parse_type(annotation, self.resolver(scope.context)) if annotation is not None else None
        pending = []
        for i, c in enumerate(node.children):
            field_name = node.field_name_for_child(i)
            if field_name == "name":
                pending.append(c)
            elif field_name in ("value", "computed_value"):
                if field_name == "computed_value":
                    self.visit(c, scope)
                    continue
                self.visit(c, scope)
                ty = declared if declared is not None else self.infer(c, scope)
                for pattern in pending:
                    self.bind_pattern(pattern, ty, scope)
                pending = []
            elif c.is_named and c.type not in ("value_binding_pattern", "modifiers", "type_annotation"):
                self.visit(c, scope)
        for pattern in pending:
            self.bind_pattern(pattern, declared, scope)

    def bind_pattern(self, pattern, ty, scope):
        parts = [c for c in pattern.named_children if c.type == "pattern"]
        if parts and pattern.child_by_field_name("bound_identifier") is None:
            members = ty[1] if ty and ty[0] == "tuple" else [None] * len(parts)
            for part, member in zip(parts, members + [None] * (len(parts) - len(members))):
                self.bind_pattern(part, member, scope)
            return
        for ident in pattern_identifiers(pattern):
            scope.bind(ident, ty)

    def visit_conditional(self, node, scope):
        inner = scope if node.type == "guard_statement" else Scope(scope)
        children = list(node.children)
        i = 0
        while i < len(children):
            c = children[i]
            field_name = node.field_name_for_child(i)
            if field_name == "bound_identifier":
                name = text(c)
                j = i + 1
                if j < len(children) and children[j].type == "type_annotation":
                    j += 1
                if j < len(children) and children[j].type == "=":
                    value = children[j + 1]
                    self.visit(value, inner)
                    inner.bind(name, self.infer(value, inner))
                    i = j + 2
                    continue
                inner.bind(name, scope.lookup(name)[1])
            elif c.type == "case":
                i = self.visit_if_case(node, children, i + 1, inner)
                continue
            elif c.is_named and c.type not in ("value_binding_pattern",):
                self.visit(c, inner)
            i += 1

    def visit_if_case(self, node, children, i, scope):
        """`if case .name(let a) = value`: the case is checked against value's type."""
        name, patterns = None, []
        while i < len(children) and children[i].type != "=":
            c = children[i]
            if c.type == "simple_identifier" and name is None:
                name = c
            elif c.type == "pattern":
                patterns.append(c)
            i += 1
        if i + 1 < len(children):
            value = children[i + 1]
            self.visit(value, scope)
            subject = self.infer(value, scope)
            if name is not None:
                self.check_case_pattern(name, [], patterns, subject, scope)
            return i + 2
        return i

    def visit_for(self, node, scope):
        inner = Scope(scope)
        collection = node.child_by_field_name("collection")
        if collection is not None:
            self.visit(collection, scope)
        item = node.child_by_field_name("item")
        if item is not None:
            self.bind_pattern(item, element(self.infer(collection, scope)) if collection else None, inner)
        for c in node.named_children:
            if c is not collection and c is not item:
                self.visit(c, inner)

    def visit_switch(self, node, scope):
        subject_node = node.child_by_field_name("expr")
        subject = None
        if subject_node is not None:
            self.visit(subject_node, scope)
            subject = self.infer(subject_node, scope)
        for entry in node.named_children:
            if entry.type != "switch_entry":
                continue
            inner = Scope(scope)
            for c in entry.named_children:
                if c.type == "switch_pattern":
                    self.visit_switch_pattern(c, subject, inner)
                else:
                    self.visit(c, inner)

    def visit_switch_pattern(self, node, subject, scope):
        for pattern in node.named_children:
            if pattern.type != "pattern":
                self.visit(pattern, scope)
                continue
            parts = [c for c in pattern.named_children]
            names = [c for c in parts if c.type == "simple_identifier"]
            subpatterns = [c for c in parts if c.type == "pattern"]
            source = text(pattern)
            leading = source.lstrip()
            if leading.startswith("let ") or leading.startswith("var "):
                leading = leading[4:].lstrip()
            if names and leading.startswith("."):
                # `.name`, `.name(let a, b: let c)`: the first identifier is the case,
                # identifiers between sub-patterns are labels.
                labels = names[1:]
                self.check_case_pattern(names[0], labels, subpatterns, subject, scope)
            else:
                for c in parts:
                    self.visit(c, scope)
                for ident in pattern_identifiers(pattern):
                    scope.bind(ident, None)

    def check_case_pattern(self, name_node, labels, subpatterns, subject, scope):
        enum = generated_name(subject)
        t = self.api.type(enum) if enum else None
        case = text(name_node)
        values = None
        if t is not None and t.kind == "enum":
            self.checked += 1
            if case in OPTIONAL_CASES:
                # `.some(.lowHope)`: the wrapped pattern is a case of the same enum.
                for sub in subpatterns:
                    inner = [c for c in sub.named_children if c.type == "simple_identifier"]
                    if inner and text(sub).lstrip().startswith("."):
                        nested = [c for c in sub.named_children if c.type == "pattern"]
                        self.check_case_pattern(inner[0], inner[1:], nested, subject, scope)
                return
            elif case not in t.cases:
                self.report(name_node, f"{enum} has no case `.{case}`")
            else:
                values = t.cases[case]
                params = values.params if values else []
                if subpatterns and len(subpatterns) > len(params):
                    self.report(name_node, f"`{enum}.{case}` has {len(params)} associated value(s), not {len(subpatterns)}")
                for label in labels:
                    if text(label) not in [p.label for p in params]:
                        self.report(label, f"`{enum}.{case}` has no associated value labelled `{text(label)}`")
        for index, sub in enumerate(subpatterns):
            ty = values.params[index].ty if values and index < len(values.params) else None
            self.bind_pattern_values(sub, ty, scope)

    def bind_pattern_values(self, pattern, ty, scope):
        for ident in pattern_identifiers(pattern):
            if ident != "_":
                scope.bind(ident, ty)

    def visit_catch(self, node, scope):
        inner = Scope(scope)
        error = node.child_by_field_name("error")
        if error is None:
            inner.bind("error", None)
        else:
            ty = None
            for c in error.named_children:
                if c.type in TYPE_NODES:
                    self.check_type_names(c, scope)
                    ty = parse_type(c, self.resolver(scope.context))
            for ident in pattern_identifiers(error):
                inner.bind(ident, ty)
        for c in node.named_children:
            if c is not error:
                self.visit(c, inner)

    def visit_closure(self, node, scope):
        inner = Scope(scope)
        given = self.closure_params.get(node.id, [])
        names = closure_parameter_names(node)
        for index, name in enumerate(names):
            inner.bind(name, given[index] if index < len(given) else None)
        for index in range(4):
            inner.bind(f"${index}", given[index] if index < len(given) else None)
        for c in node.named_children:
            self.visit(c, inner)

    # ---------------------------------------------------------- rules
    def type_reference(self, node, scope):
        """The generated type an identifier names here, unless a value or an
        app type of the same name (nested in an enclosing type, or local to a
        function, which the walk does not place) hides it."""
        if node.type != "simple_identifier":
            return None
        name = text(node)
        if name not in self.api.types or scope.lookup(name)[0] or name in self.local_type_names():
            return None
        return name if self.resolver(scope.context)([name]) == ("gen", name) else None

    def local_type_names(self):
        """Type names declared inside function bodies (not in app_types)."""
        if self._local_types is None:
            placed = {qualified.split(".")[-1] for qualified in self.app_types}
            self._local_types = self.app_type_names - placed
        return self._local_types

    def check_name(self, node, scope):
        """An identifier used as a type or called as a function, not bound here:
        a capitalised one must be a known type, a lower-case call a function
        the app, the bindings or the platform (PLATFORM_FUNCTIONS) has."""
        if node.type != "simple_identifier":
            return
        name = text(node)
        if scope.lookup(name)[0] or name.startswith("$"):
            return
        if name[:1].isupper():
            self.checked += 1
            if name not in self.app_type_names and name not in PLATFORM_TYPES and name not in self.api.types:
                self.report(
                    node,
                    f"unknown type `{name}`: not in the generated bindings, not declared in the app "
                    "(if it is an Apple SDK type, add it to PLATFORM_TYPES in tests/mobile/swift_api.py)",
                )
            return
        self.checked += 1
        if name not in self.function_names and name not in self.api.functions and name not in PLATFORM_FUNCTIONS:
            self.report(
                node,
                f"unknown function `{name}`: not in the generated bindings, not declared in the app "
                "(if it is a Swift or Apple SDK function, add it to PLATFORM_FUNCTIONS in tests/mobile/swift_api.py)",
            )

    def check_member(self, node, scope):
        target = node.child_by_field_name("target")
        suffix = node.child_by_field_name("suffix")
        if target is None or suffix is None or target.type == "key_path_expression":
            return
        member_node = suffix.child_by_field_name("suffix")
        if member_node is None or member_node.type != "simple_identifier":
            return
        member = text(member_node)
        if target.type == "simple_identifier" and text(target)[:1].isupper():
            self.check_name(target, scope)
        reference = self.type_reference(target, scope)
        if reference is not None:
            self.checked += 1
            if (
                member not in ("init", "self")
                and not self.api.has_static_member(reference, member)
                and member not in self.extension_members.get(reference, ())
            ):
                self.report(member_node, f"{reference} has no static member, case or nested type `{member}`")
            return
        owner = generated_name(self.infer(target, scope))
        if owner is None:
            return
        self.checked += 1
        if (
            self.api.has_instance_member(owner, member)
            or member in UNIVERSAL_MEMBERS
            or member in self.extension_members.get(owner, ())
        ):
            return
        self.report(member_node, f"{owner} has no member `{member}`")

    def callee_signatures(self, callee, scope):
        """(description, [Callable]) for a call of something generated, else None."""
        reference = self.type_reference(callee, scope)
        if reference is not None:
            t = self.api.type(reference)
            if t.kind in ("struct", "class") or t.inits:
                return f"{reference}.init", t.inits + self.added(reference, "init")
            return None
        if callee.type == "simple_identifier":
            name = text(callee)
            if name in self.api.functions and name not in self.functions and not scope.lookup(name)[0]:
                return name, self.api.functions[name]
            return None
        if callee.type == "navigation_expression":
            target = callee.child_by_field_name("target")
            suffix = callee.child_by_field_name("suffix")
            member_node = suffix.child_by_field_name("suffix") if suffix is not None else None
            if target is None or member_node is None or member_node.type != "simple_identifier":
                return None
            member = text(member_node)
            reference = self.type_reference(target, scope)
            if reference is not None:
                t = self.api.type(reference)
                if member in t.statics:
                    return f"{reference}.{member}", t.statics[member] + self.added(reference, member)
                if member in t.cases and t.cases[member] is not None:
                    return f"{reference}.{member}", [t.cases[member]] + self.added(reference, member)
                if member == "init":
                    return f"{reference}.init", t.inits + self.added(reference, "init")
                return None
            owner = generated_name(self.infer(target, scope))
            if owner is not None and member == "init":
                # `self.init(...)` in an app extension's initializer.
                return f"{owner}.init", self.api.types[owner].inits + self.added(owner, "init")
            if owner is not None:
                methods = self.api.methods(owner, member)
                if methods:
                    methods = methods + self.added(owner, member)
                    return f"{owner}.{member}", methods
        return None

    def added(self, generated, name):
        """Overloads of `name` the app declares in its extensions of a type."""
        return self.extension_callables.get((generated, name), [])

    def call_arguments(self, node):
        """[(label, is_trailing_closure, value node)] of a call expression."""
        out = []
        suffix = next((c for c in node.named_children if c.type == "call_suffix"), None)
        if suffix is None:
            return None, out
        bracket = False
        for c in suffix.named_children:
            if c.type == "value_arguments":
                bracket = c.children and c.children[0].type == "["
                for argument in c.named_children:
                    if argument.type != "value_argument":
                        continue
                    label = argument.child_by_field_name("name")
                    value = argument.child_by_field_name("value")
                    out.append((text(label) if label is not None else None, False, value))
            elif c.type == "lambda_literal":
                out.append((None, True, c))
        return bracket, out

    def check_call(self, node, scope):
        callee = node.named_children[0] if node.named_children else None
        if callee is None:
            return
        bracket, args = self.call_arguments(node)
        self.prepare_closures(node, callee, args, scope)
        if bracket:
            return
        self.check_name(callee, scope)
        self.check_key_paths(callee, args, scope)
        found = self.callee_signatures(callee, scope)
        if found is None:
            return
        description, signatures = found
        self.checked += 1
        shape = [(label, trailing) for label, trailing, _ in args]
        fitting = [s for s in signatures if swift_arguments_match(s.params, shape)]
        if not fitting:
            given = "".join(f"{label or '_'}:" for label, trailing, _ in args if not trailing)
            self.report(
                callee,
                f"no {description} takes ({given}); the bindings have "
                + describe_signatures(description.split(".")[-1], signatures, swift=True),
            )
            return
        if len(fitting) == 1:
            self.check_argument_values(fitting[0], args, scope)

    def check_argument_values(self, signature, args, scope):
        """Implicit members (`.shared`) passed where the bindings want an enum."""
        params = list(signature.params)
        i = 0
        for label, trailing, value in args:
            if trailing:
                i += 1
                continue
            while i < len(params) and params[i].label != label:
                i += 1
            if i < len(params) and value is not None:
                self.check_implicit_member(value, params[i].ty, scope)
            i += 1

    def prepare_closures(self, node, callee, args, scope):
        """Gives closure arguments their parameter types where they are known."""
        closures = [value for _, _, value in args if value is not None and value.type == "lambda_literal"]
        if not closures:
            return
        types = None
        if callee.type == "navigation_expression":
            target = callee.child_by_field_name("target")
            suffix = callee.child_by_field_name("suffix")
            member_node = suffix.child_by_field_name("suffix") if suffix is not None else None
            if target is not None and member_node is not None:
                member = text(member_node)
                receiver = self.infer(target, scope)
                if member in ELEMENT_CLOSURES and receiver and receiver[0] == "list":
                    types = [receiver[1]] * ELEMENT_CLOSURES[member]
                elif member == "reduce" and receiver and receiver[0] == "list":
                    types = [None, receiver[1]]
                elif member in ("let", "map", "flatMap") and receiver and receiver[0] != "list":
                    types = [receiver]
        elif callee.type == "simple_identifier" and text(callee) in ("ForEach", "List"):
            values = [value for label, trailing, value in args if not trailing and label is None]
            if values:
                types = [element(self.infer(values[0], scope))]
        if types:
            for closure in closures:
                self.closure_params[closure.id] = types

    def check_key_paths(self, callee, args, scope):
        """`cards.filter(\\.reliable)`: a key path into the elements of a list
        of a generated type names one of its fields."""
        if callee.type != "navigation_expression":
            return
        receiver = self.infer(callee.child_by_field_name("target"), scope)
        owner = generated_name(element(receiver))
        if owner is None:
            return
        for _, _, value in args:
            if value is None or value.type != "navigation_expression":
                continue
            target = value.child_by_field_name("target")
            suffix = value.child_by_field_name("suffix")
            member_node = suffix.child_by_field_name("suffix") if suffix is not None else None
            if target is None or target.type != "key_path_expression" or member_node is None:
                continue
            self.checked += 1
            member = text(member_node)
            if not self.api.field_type(owner, member)[0] and member not in UNIVERSAL_MEMBERS | self.extension_members.get(owner, set()):
                self.report(member_node, f"{owner} has no field `{member}` (key path)")

    def check_implicit_member(self, node, expected, scope):
        """`.name` where the type is known: a case or static member of it."""
        if node is None:
            return
        if node.type == "ternary_expression":
            for branch in ("if_true", "if_false"):
                self.check_implicit_member(node.child_by_field_name(branch), expected, scope)
            return
        if node.type == "call_expression" and node.named_children:
            head = node.named_children[0]
            if head.type == "prefix_expression":
                self.check_implicit_member(head, expected, scope)
            return
        if node.type != "prefix_expression" or not node.children or node.children[0].type != ".":
            return
        enum = generated_name(expected)
        target = node.child_by_field_name("target")
        if enum is None or target is None or target.type != "simple_identifier":
            return
        self.checked += 1
        name = text(target)
        if not self.api.has_static_member(enum, name) and name not in {"init", "self"} | OPTIONAL_CASES:
            self.report(target, f"{enum} has no case or static member `.{name}`")

    def check_comparison(self, node, scope):
        lhs, rhs = node.child_by_field_name("lhs"), node.child_by_field_name("rhs")
        if lhs is None or rhs is None:
            return
        self.check_implicit_member(rhs, self.infer(lhs, scope), scope)
        self.check_implicit_member(lhs, self.infer(rhs, scope), scope)

    def check_assignment(self, node, scope):
        target, result = node.child_by_field_name("target"), node.child_by_field_name("result")
        if target is None or result is None:
            return
        inner = target.named_children[0] if target.named_children else None
        if inner is not None:
            self.check_implicit_member(result, self.infer(inner, scope), scope)

    def check_type_names(self, node, scope):
        """Every type name must be the app's, the bindings', or the platform's."""
        for ident in walk(node, skip=("attribute",)):
            if ident.type != "user_type":
                continue
            parts = [c for c in ident.named_children if c.type == "type_identifier"]
            if not parts:
                continue
            first = text(parts[0])
            if first in NOT_TYPES:
                continue  # the grammar reads `() throws -> T` with `throws` as a type
            if first in MODULES and len(parts) > 1:
                parts = parts[1:]
                first = text(parts[0])
            self.checked += 1
            if first in self.app_type_names or first in PLATFORM_TYPES:
                continue
            if first in self.api.types:
                if len(parts) > 1 and text(parts[1]) not in self.api.types[first].nested:
                    self.report(parts[1], f"{first} has no nested type `{text(parts[1])}`")
                continue
            self.report(
                parts[0],
                f"unknown type `{first}`: not in the generated bindings, not declared in the app "
                "(if it is an Apple SDK type, add it to PLATFORM_TYPES in tests/mobile/swift_api.py)",
            )

    # ---------------------------------------------------------- inference
    def infer(self, node, scope):
        if node is None:
            return None
        key = node.id
        if key in self.inferred:
            return self.inferred[key]
        self.inferred[key] = None  # guards against cycles
        ty = self._infer(node, scope)
        self.inferred[key] = ty
        return ty

    def _infer(self, node, scope):
        kind = node.type
        if kind == "simple_identifier":
            name = text(node)
            found, ty = scope.lookup(name)
            if found:
                return ty
            reference = self.type_reference(node, scope)
            if reference is not None:
                return ("gen-type", reference)
            if name in self.globals:
                declaration, context = self.globals[name]
                return self.declared_type(declaration, context)
            return None
        if kind == "self_expression":
            return scope.self_type
        if kind in ("try_expression", "await_expression"):
            inner = node.child_by_field_name("expr")
            return self.infer(inner if inner is not None else node.named_children[-1], scope)
        if kind == "postfix_expression":
            target = node.child_by_field_name("target")
            return self.infer(target, scope) if target is not None else None
        if kind == "tuple_expression":
            values = fields(node, "value")
            if len(values) == 1:
                return self.infer(values[0], scope)
            return ("tuple", [self.infer(v, scope) for v in values])
        if kind == "nil_coalescing_expression":
            return self.infer(node.child_by_field_name("value"), scope)
        if kind == "ternary_expression":
            return self.infer(node.child_by_field_name("if_true"), scope)
        if kind == "as_expression":
            ty_node = next((c for c in node.named_children if c.type in TYPE_NODES), None)
            return parse_type(ty_node, self.resolver(scope.context))
        if kind == "navigation_expression":
            return self.infer_member(node, scope)
        if kind == "call_expression":
            return self.infer_call(node, scope)
        if kind == "lambda_literal":
            body = next((c for c in node.named_children if c.type == "statements"), None)
            if body is not None and len(body.named_children) == 1:
                inner = Scope(scope)
                for name in closure_parameter_names(node) + [f"${i}" for i in range(4)]:
                    inner.bind(name, None)
                return self.infer(body.named_children[0], inner)
            return None
        return None

    def infer_member(self, node, scope):
        target = node.child_by_field_name("target")
        suffix = node.child_by_field_name("suffix")
        member_node = suffix.child_by_field_name("suffix") if suffix is not None else None
        if target is None or member_node is None or member_node.type != "simple_identifier":
            return None
        member = text(member_node)
        receiver = self.infer(target, scope)
        if receiver is None:
            return None
        if receiver[0] == "gen":
            return self.api.field_type(receiver[1], member)[1]
        if receiver[0] == "gen-type":
            t = self.api.type(receiver[1])
            if member in t.cases:
                return ("gen", receiver[1])
            return t.static_fields.get(member)
        if receiver[0] == "app":
            return self.app_property(receiver[1], member)[1]
        if receiver[0] == "list":
            if member in ("first", "last"):
                return receiver[1]
            return None
        if receiver[0] == "map":
            if member == "values":
                return ("list", receiver[2])
            if member == "keys":
                return ("list", receiver[1])
        if receiver[0] == "tuple" and member.isdigit():
            index = int(member)
            return receiver[1][index] if index < len(receiver[1]) else None
        return None

    def infer_call(self, node, scope):
        callee = node.named_children[0] if node.named_children else None
        if callee is None:
            return None
        bracket, args = self.call_arguments(node)
        if bracket:
            container = self.infer(callee, scope)
            if container and container[0] == "list":
                return container[1]
            if container and container[0] == "map":
                return container[2]
            return None
        found = self.callee_signatures(callee, scope)
        if found is not None:
            description, signatures = found
            if description.endswith(".init"):
                return ("gen", description[: -len(".init")])
            returns = {repr(s.returns) for s in signatures}
            if len(returns) == 1:
                return signatures[0].returns
            return None
        if callee.type == "simple_identifier":
            name = text(callee)
            if scope.lookup(name)[0]:
                return None
            if name in self.functions:
                return self.infer_app_function(self.functions[name], args, scope)
            resolved = self.resolver(scope.context)([name])
            return resolved if resolved and resolved[0] == "app" else None
        if callee.type == "navigation_expression":
            target = callee.child_by_field_name("target")
            suffix = callee.child_by_field_name("suffix")
            member_node = suffix.child_by_field_name("suffix") if suffix is not None else None
            if target is None or member_node is None:
                return None
            member = text(member_node)
            receiver = self.infer(target, scope)
            if receiver and receiver[0] == "list":
                if member in SAME_LIST:
                    return receiver
                if member in ONE_ELEMENT:
                    return receiver[1]
            if receiver and receiver[0] == "app":
                app = self.app_types.get(receiver[1])
                if app and member in app.methods:
                    return self.infer_app_function(app.methods[member], args, scope)
        return None

    def infer_app_function(self, declarations, args, scope):
        """The result of calling an app function: its declared return type, or
        for a generic pass-through helper (`func f<T>(_ work: () -> T) -> T`)
        what the closure argument returns."""
        if len(declarations) != 1:
            return None
        declaration, context = declarations[0]
        returns = return_type_node(declaration)
        if returns is None:
            return None
        generics = set()
        for c in declaration.named_children:
            if c.type == "type_parameters":
                generics.update(text(n) for n in walk(c) if n.type == "type_identifier")
        if text(returns) in generics:
            closures = [value for _, _, value in args if value is not None and value.type == "lambda_literal"]
            return self.infer(closures[-1], scope) if len(closures) == 1 else None
        return parse_type(returns, self.resolver(context))
