"""The Kotlin half of the API check, part one: read the generated
`rapport_ffi.kt` into an `Api` (classes, data classes, enums, sealed classes
and their nested variants, interfaces, companion functions, top-level
functions, with parameter names and defaults), plus the tree-sitter helpers
and the name lists kotlin_check.py walks the app with.

tree-sitter-kotlin 1.1 loses whole declarations on backquoted names (uniffi
writes ``fun `get`(...)``), so both sides are parsed with each backquoted plain
name rewritten to the same length (`` `get` `` -> `get__`), which keeps every
line and column where it was.
"""

import re

import tree_sitter
import tree_sitter_kotlin

from api_model import Api, ApiType, Callable, Param

PARSER = tree_sitter.Parser(tree_sitter.Language(tree_sitter_kotlin.language()))
PACKAGE = "uniffi.rapport_ffi"
BACKQUOTED = re.compile(rb"`([A-Za-z_][A-Za-z0-9_]*)`")

# Members every value of a generated type has: Any, data classes, enums,
# Throwable, AutoCloseable, and the scope functions of the standard library.
UNIVERSAL_MEMBERS = {
    "toString", "hashCode", "equals", "copy", "let", "also", "apply", "run", "takeIf",
    "takeUnless", "to", "javaClass", "name", "ordinal", "compareTo", "message", "cause",
    "localizedMessage", "stackTrace", "printStackTrace", "addSuppressed", "suppressed",
    "suppressedExceptions", "fillInStackTrace", "initCause", "use", "close",
} | {f"component{i}" for i in range(1, 20)}
STATIC_EXTRAS = {"entries", "values", "valueOf", "Companion"}

# Collection functions whose lambda parameters are the elements.
ELEMENT_LAMBDAS = {
    "map", "mapNotNull", "flatMap", "filter", "filterNot", "forEach", "onEach", "first",
    "firstOrNull", "last", "lastOrNull", "find", "findLast", "any", "all", "none", "count",
    "sortedBy", "sortedByDescending", "maxByOrNull", "minByOrNull", "maxBy", "minBy",
    "associateBy", "associateWith", "associate", "groupBy", "partition", "sumOf",
    "indexOfFirst", "indexOfLast", "distinctBy", "single", "singleOrNull", "takeWhile",
    "dropWhile", "mapTo", "filterTo", "removeAll", "removeIf", "retainAll",
}
INDEXED_LAMBDAS = {"forEachIndexed", "mapIndexed", "filterIndexed", "mapIndexedNotNull"}
SAME_LIST = {
    "filter", "filterNot", "sortedBy", "sortedByDescending", "sortedWith", "sorted", "reversed",
    "take", "drop", "takeLast", "dropLast", "distinct", "distinctBy", "toList", "toMutableList",
    "asReversed", "shuffled", "takeWhile", "dropWhile", "filterNotNull",
}
ONE_ELEMENT = {
    "first", "last", "firstOrNull", "lastOrNull", "single", "singleOrNull", "find", "findLast",
    "getOrNull", "get", "elementAt", "maxByOrNull", "minByOrNull", "maxBy", "minBy", "random",
    "removeFirst", "removeLast", "getOrElse",
}
# Scope functions: `it` (or the one parameter) is the receiver.
RECEIVER_LAMBDAS = {"let", "also", "takeIf", "takeUnless"}
# Calls that return what their trailing lambda returns.
PASS_THROUGH = {"withContext", "run", "runBlocking", "synchronized", "with", "coroutineScope", "supervisorScope"}

TYPE_NODES = {"user_type", "nullable_type", "function_type", "parenthesized_type", "non_nullable_type"}


def parse_source(data, generated=False):
    """The tree of a Kotlin source, backquoted names rewritten (see above).
    uniffi also runs code on after a doc comment (`*/override fun`), which
    the grammar misreads too; in the generated file (whose positions are
    never reported) a line break goes in between."""
    data = BACKQUOTED.sub(lambda m: m.group(1) + b"__", data)
    if generated:
        data = data.replace(b"*/", b"*/\n")
    return PARSER.parse(data)


def text(node):
    source = node.text.decode("utf-8", "replace")
    if node.type == "identifier" and source.endswith("__") and len(source) > 2:
        return source[:-2]
    return source


def named(node, kind):
    return [c for c in node.named_children if c.type == kind]


def first(node, kind):
    return next((c for c in node.named_children if c.type == kind), None)


def modifiers(node):
    m = first(node, "modifiers")
    return {text(c) for c in m.named_children} if m is not None else set()


def hidden(node):
    return bool(modifiers(node) & {"private", "internal", "protected"})


def type_node(node):
    return next((c for c in node.named_children if c.type in TYPE_NODES), None)


def user_type_names(node):
    return [text(c) for c in node.named_children if c.type == "identifier"]


def parse_type(node, resolve):
    """A `Ty` for a Kotlin type node; `resolve(names, args)` maps user types."""
    if node is None:
        return None
    if node.type in ("nullable_type", "parenthesized_type", "non_nullable_type"):
        return parse_type(type_node(node), resolve)
    if node.type != "user_type":
        return None
    names = user_type_names(node)
    arguments = []
    args_node = first(node, "type_arguments")
    if args_node is not None:
        for projection in args_node.named_children:
            arguments.append(parse_type(type_node(projection), resolve))
    if names[:2] in (["kotlin", "collections"],):
        names = names[2:]
    elif names[:1] == ["kotlin"]:
        names = names[1:]
    if names and names[-1] in ("List", "MutableList", "Set", "MutableSet", "Collection", "Iterable", "Sequence", "ArrayList") and arguments:
        return ("list", arguments[0])
    if names and names[-1] in ("Map", "MutableMap", "HashMap", "LinkedHashMap") and len(arguments) == 2:
        return ("map", arguments[0], arguments[1])
    if names == ["Result"] and arguments:
        return ("result", arguments[0])
    if names == ["Pair"] and len(arguments) == 2:
        return ("tuple", arguments)
    return resolve(names) if names else None


def parameters(node, resolve):
    """[(name, Ty, has default)] of a function_value_parameters or class_parameters node."""
    out = []
    for p in node.named_children:
        if p.type not in ("parameter", "class_parameter"):
            continue
        ident = first(p, "identifier")
        ty = type_node(p)
        kids = [c for c in p.children]
        has_default = any(c.type == "=" for c in kids) or (
            ty is not None and any(c.is_named and c.start_byte > ty.end_byte for c in kids)
        )
        out.append((text(ident) if ident is not None else None, parse_type(ty, resolve), has_default, p))
    # tree-sitter-kotlin puts a parameter's default beside it, in the list.
    for i, c in enumerate(node.children):
        if c.type == "=" and out:
            before = [p for p in out if p[3].end_byte <= c.start_byte]
            if before:
                index = out.index(before[-1])
                out[index] = (out[index][0], out[index][1], True, out[index][3])
    return out


def function_parts(node):
    """(parameters node, return type node) of a function declaration."""
    params = first(node, "function_value_parameters")
    returns = None
    if params is not None:
        for c in node.named_children:
            if c.start_byte > params.end_byte and c.type in TYPE_NODES:
                returns = c
                break
            if c.type == "function_body":
                break
    return params, returns


def callable_of(node, resolve):
    params, returns = function_parts(node)
    listed = parameters(params, resolve) if params is not None else []
    return Callable([Param(n, ty, d) for n, ty, d, _ in listed], parse_type(returns, resolve))


def class_kind(node):
    words = modifiers(node)
    if any(c.type == "interface" for c in node.children):
        return "interface"
    if "enum" in words:
        return "enum"
    if "sealed" in words:
        return "sealed"
    return "class"


def supertypes(node):
    out = []
    specs = first(node, "delegation_specifiers")
    for spec in specs.named_children if specs is not None else []:
        for c in spec.named_children:
            user = c if c.type == "user_type" else first(c, "user_type")
            if user is not None:
                out.append(".".join(user_type_names(user)))
    return out


def body_of(node):
    return first(node, "class_body") or first(node, "enum_class_body")


# ---------------------------------------------------------------- generated


def read_api(data):
    """The `Api` a generated Kotlin source declares (public names)."""
    root = parse_source(data, generated=True).root_node
    api = Api()
    declarations = []

    def collect(node, prefix):
        for c in node.named_children:
            if c.type in ("class_declaration", "object_declaration") and not hidden(c):
                name_node = c.child_by_field_name("name") or first(c, "identifier")
                if name_node is None:
                    continue
                name = prefix + text(name_node)
                kind = "object" if c.type == "object_declaration" else class_kind(c)
                api.types.setdefault(name, ApiType(name, kind))
                declarations.append((name, c))
                body = body_of(c)
                if body is not None:
                    collect(body, name + ".")
            elif c.type == "type_alias" and not prefix and not hidden(c):
                name_node = first(c, "identifier")
                if name_node is not None:
                    api.types.setdefault(text(name_node), ApiType(text(name_node), "typealias"))

    collect(root, "")

    def resolve(names):
        if names[: len(PACKAGE.split("."))] == PACKAGE.split("."):
            names = names[len(PACKAGE.split(".")):]
        joined = ".".join(names)
        return ("gen", joined) if joined in api.types else None

    for name, node in declarations:
        t = api.types[name]
        outer = name.rsplit(".", 1)[0] if "." in name else None
        if outer:
            api.types[outer].nested.add(name.rsplit(".", 1)[1])
        for parent in supertypes(node):
            resolved = resolve(parent.split("."))
            if resolved:
                t.supertypes.append(resolved[1])
            elif outer and f"{outer}" == parent:
                t.supertypes.append(outer)
        constructor = first(node, "primary_constructor")
        if constructor is not None:
            listed = parameters(first(constructor, "class_parameters") or constructor, resolve)
            t.inits.append(Callable([Param(n, ty, d) for n, ty, d, _ in listed], ("gen", name)))
            for n, ty, _, p in listed:
                if any(c.type in ("val", "var") or text(c) in ("val", "var") for c in p.children):
                    t.fields[n] = ty
        body = body_of(node)
        for m in body.named_children if body is not None else []:
            if hidden(m):
                continue
            if m.type == "function_declaration":
                t.methods.setdefault(text(m.child_by_field_name("name")), []).append(callable_of(m, resolve))
            elif m.type == "property_declaration":
                for var in named(m, "variable_declaration"):
                    ident = first(var, "identifier")
                    if ident is not None:
                        t.fields[text(ident)] = parse_type(type_node(var), resolve)
            elif m.type == "secondary_constructor":
                params = first(m, "function_value_parameters")
                listed = parameters(params, resolve) if params is not None else []
                t.inits.append(Callable([Param(n, ty, d) for n, ty, d, _ in listed], ("gen", name)))
            elif m.type == "companion_object":
                companion = body_of(m)
                for s in companion.named_children if companion is not None else []:
                    if hidden(s):
                        continue
                    if s.type == "function_declaration":
                        t.statics.setdefault(text(s.child_by_field_name("name")), []).append(callable_of(s, resolve))
                    elif s.type == "property_declaration":
                        for var in named(s, "variable_declaration"):
                            ident = first(var, "identifier")
                            if ident is not None:
                                t.static_fields[text(ident)] = parse_type(type_node(var), resolve)
            elif m.type == "enum_entry":
                ident = first(m, "identifier")
                if ident is not None:
                    t.cases[text(ident)] = None
    for c in root.named_children:
        if c.type == "function_declaration" and not hidden(c):
            name = c.child_by_field_name("name")
            if name is not None and not is_extension(c):
                api.functions.setdefault(text(name), []).append(callable_of(c, resolve))
    return api


def is_extension(node):
    """`fun Receiver.name(...)`: a user type before the name."""
    name = node.child_by_field_name("name")
    return any(c.type in TYPE_NODES and name is not None and c.end_byte <= name.start_byte for c in node.named_children)


