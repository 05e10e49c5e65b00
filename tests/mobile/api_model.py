"""What the generated bindings offer, language-neutral, and how a call matches it.

The Swift and Kotlin front ends (swift_api.py, kotlin_api.py) fill an `Api`
from the freshly generated source with tree-sitter, then walk the app's own
sources and report every use of it that names something the `Api` lacks. This
module holds the shared parts: the model, a tiny type representation used to
follow values from one expression to the next, argument matching, and the
finding itself.

Types (`Ty`) are plain tuples, `None` meaning "not known" (nothing is checked
through an unknown type, which is how the check stays free of false alarms):

    ("gen", "CheckIn")        a value of a generated type
    ("gen-type", "CheckIn")   the generated type itself (`CheckIn.foo`, `CheckIn(...)`)
    ("app", "Screen.State")   a value of a type the app declares (for its stored properties)
    ("list", ty)              an array / list of ty
    ("map", key, value)       a dictionary / map
"""

from dataclasses import dataclass, field


@dataclass
class Param:
    """One parameter: its call-site label (Swift external name, `None` for
    `_`) or Kotlin name, its type, and whether a call may leave it out."""

    label: object
    ty: object
    has_default: bool = False


@dataclass
class Callable:
    """A function, method, initializer or enum case with associated values."""

    params: list
    returns: object = None


@dataclass
class ApiType:
    """A generated class, struct, enum, protocol/interface or error."""

    name: str
    kind: str
    fields: dict = field(default_factory=dict)
    methods: dict = field(default_factory=dict)
    statics: dict = field(default_factory=dict)
    static_fields: dict = field(default_factory=dict)
    inits: list = field(default_factory=list)
    cases: dict = field(default_factory=dict)
    nested: set = field(default_factory=set)
    supertypes: list = field(default_factory=list)


@dataclass
class Api:
    """Everything the generated source declares that an app can name."""

    types: dict = field(default_factory=dict)
    functions: dict = field(default_factory=dict)

    def type(self, name):
        return self.types.get(name)

    def lineage(self, name):
        """The type and its generated supertypes (protocols, sealed parents)."""
        seen, todo, out = set(), [name], []
        while todo:
            current = todo.pop(0)
            if current in seen or current not in self.types:
                continue
            seen.add(current)
            out.append(self.types[current])
            todo.extend(self.types[current].supertypes)
        return out

    def field_type(self, name, member):
        for t in self.lineage(name):
            if member in t.fields:
                return True, t.fields[member]
        return False, None

    def methods(self, name, member):
        found = []
        for t in self.lineage(name):
            found.extend(t.methods.get(member, []))
        return found

    def has_instance_member(self, name, member):
        return self.field_type(name, member)[0] or bool(self.methods(name, member))

    def statics(self, name, member):
        t = self.types.get(name)
        return list(t.statics.get(member, [])) if t else []

    def has_static_member(self, name, member):
        t = self.types.get(name)
        if t is None:
            return False
        return (
            member in t.statics
            or member in t.static_fields
            or member in t.cases
            or member in t.nested
        )


@dataclass
class Finding:
    """One use of the generated API that names something it does not have."""

    path: str
    line: int
    column: int
    what: str

    def __str__(self):
        return f"{self.path}:{self.line}:{self.column}: {self.what}"


class Scope:
    """Names visible at a point of an app source, with their types (`None`
    when unknown: a name bound to `None` still hides an outer one of the same
    name, which is what keeps a shadowed generated value from being checked),
    the app type `self` / `this` is, and the nesting of types around it."""

    def __init__(self, parent=None, self_type=None, context=None):
        self.parent = parent
        self.names = {}
        self.self_type = self_type if self_type is not None or parent is None else parent.self_type
        self.context = context if context is not None or parent is None else parent.context

    def bind(self, name, ty):
        self.names[name] = ty

    def lookup(self, name):
        """(found, type) of the innermost binding of `name`."""
        scope = self
        while scope is not None:
            if name in scope.names:
                return True, scope.names[name]
            scope = scope.parent
        return False, None


def element(ty):
    """The element type of a list, else unknown."""
    return ty[1] if ty and ty[0] == "list" else None


def generated_name(ty):
    """The generated type a value has, or None."""
    return ty[1] if ty and ty[0] == "gen" else None


def swift_arguments_match(params, args):
    """Whether Swift call arguments fit a parameter list.

    `args` is a list of (label or None, is_trailing_closure). Arguments go in
    parameter order; a parameter may be skipped only if it has a default; a
    labelled argument needs a parameter with that external label, an
    unlabelled one a parameter declared `_`. Trailing closures fill whatever
    parameters are left, in order.
    """
    i = 0
    for label, trailing in args:
        if trailing:
            if i >= len(params):
                return False
            i += 1
            continue
        while i < len(params) and params[i].label != label:
            if not params[i].has_default:
                return False
            i += 1
        if i == len(params):
            return False
        i += 1
    return all(p.has_default for p in params[i:])


def kotlin_arguments_match(params, args):
    """Whether Kotlin call arguments fit a parameter list.

    `args` is a list of (name or None, is_trailing_lambda). Positional
    arguments fill parameters from the first; a named one needs a parameter of
    that name not already filled; a trailing lambda fills the last parameter;
    every parameter left over needs a default.
    """
    filled = [False] * len(params)
    position = 0
    for name, trailing in args:
        if trailing:
            if not params or filled[-1]:
                return False
            filled[-1] = True
        elif name is None:
            if position >= len(params):
                return False
            filled[position] = True
            position += 1
        else:
            matches = [i for i, p in enumerate(params) if p.label == name]
            if not matches or filled[matches[0]]:
                return False
            filled[matches[0]] = True
            position = max(position, matches[0] + 1)
    return all(done or p.has_default for done, p in zip(filled, params))


def describe_signatures(name, callables, swift):
    """`name(a:b:)` style (Swift) or `name(a, b)` (Kotlin), for messages."""
    shapes = []
    for c in callables:
        if swift:
            labels = "".join(f"{p.label or '_'}:" for p in c.params)
            shapes.append(f"{name}({labels})")
        else:
            shapes.append(f"{name}({', '.join(str(p.label) for p in c.params)})")
    return " or ".join(shapes) if shapes else f"{name}()"
