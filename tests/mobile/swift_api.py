"""The Swift half of the API check, part one: read the generated
`rapport_ffi.swift` into an `Api` (its types, their fields, methods, static
functions, initializers and enum cases with labels), plus the tree-sitter
helpers and the name lists swift_check.py walks the app with.

uniffi writes two constructs tree-sitter-swift 0.7 rejects; they are rewritten
as tests/swift/check_swift.py does (GRAMMAR_GAPS), keeping every position.
"""

import tree_sitter
import tree_sitter_swift

from api_model import Api, ApiType, Callable, Param

PARSER = tree_sitter.Parser(tree_sitter.Language(tree_sitter_swift.language()))

# Constructs tree-sitter-swift 0.7 rejects in generated code (see
# tests/swift/check_swift.py); rewritten the same way before parsing.
GRAMMAR_GAPS = [(b"@_documentation(visibility: private)", b""), (b"{ () }", b"{ Void() }")]

# Members every value of a generated type has through the protocols the
# generated code conforms to (Equatable, Hashable, Error, LocalizedError,
# CustomStringConvertible) or Swift itself.
UNIVERSAL_MEMBERS = {
    "self",
    "init",
    "hashValue",
    "hash",
    "description",
    "debugDescription",
    "localizedDescription",
    "errorDescription",
    "failureReason",
    "recoverySuggestion",
    "helpAnchor",
}

# Names the Swift standard library and the Apple frameworks the apps import
# give them. Only consulted for the "unknown type" rule; extend it when an app
# uses a new Apple type (the check's failure names the file and line).
PLATFORM_TYPES = set(
    """
    Any AnyObject AnyHashable Array Bool Character Collection Dictionary Double Error Float
    Int Int8 Int16 Int32 Int64 UInt UInt8 UInt16 UInt32 UInt64 Never Optional Result Sequence
    Set String Substring Void Self Equatable Hashable Identifiable Comparable Codable Decodable
    Encodable Sendable CaseIterable CustomStringConvertible RawRepresentable ClosedRange Range CVarArg
    Task MainActor TaskGroup CheckedContinuation UnsafeContinuation AsyncStream
    AsyncThrowingStream CancellationError
    Calendar CharacterSet Data Date DateComponents DateFormatter Decimal DispatchQueue
    ISO8601DateFormatter JSONDecoder JSONEncoder JSONSerialization Locale LocalizedError
    NSError NSLock NSObject NSRecursiveLock NumberFormatter ProcessInfo Bundle FileManager
    TimeInterval TimeZone URL URLComponents URLError URLQueryItem URLRequest URLResponse
    HTTPURLResponse URLSession URLSessionConfiguration URLSessionDataTask URLSessionTask
    URLSessionDelegate URLSessionTaskDelegate URLSessionDataDelegate URLAuthenticationChallenge
    URLCache URLCredential
    UUID NSNumber NSString NSData NSDate Measurement NotificationCenter Notification RunLoop Thread OperationQueue Timer
    UserDefaults FileProtectionType URLResourceValues FileAttributeKey DispatchSemaphore
    DispatchGroup DispatchTime DispatchWorkItem DispatchQoS ObjectIdentifier Mirror KeyPath
    WritableKeyPath Duration ContinuousClock SuspendingClock AttributedString Formatter
    DateComponentsFormatter RelativeDateTimeFormatter ListFormatter PersonNameComponents
    NSLocalizedString NSRegularExpression NSRange Scanner OSLog Logger UIAccessibility UIAccessibilityTraits
    UIScreen UIColor UIFont UIView UIViewController UIApplicationDelegate
    ObservableObject Published Combine AnyCancellable
    CFString CFDictionary CFTypeRef OSStatus SecItemAdd SecItemCopyMatching SecItemDelete
    SecItemUpdate SecAccessControl SecAccessControlCreateWithFlags SecCopyErrorMessageString
    App Scene WindowGroup View ViewBuilder some Text Button Label Image List ForEach Form
    Section NavigationStack NavigationView NavigationLink NavigationPath ScrollView VStack HStack
    ZStack LazyVStack LazyHStack Spacer Divider Group GroupBox Toggle TextField SecureField
    TextEditor Picker Stepper Slider ProgressView ContentUnavailableView Link Menu Alert
    Color Font Edge EdgeInsets Alignment HorizontalAlignment VerticalAlignment Binding State
    StateObject ObservedObject EnvironmentObject Environment Namespace FocusState AppStorage
    SceneStorage GeometryReader RoundedRectangle Rectangle Circle Capsule Shape ShapeStyle
    Material ToolbarItem ToolbarItemPlacement ButtonRole ButtonStyle LabelStyle
    ListStyle InsetGroupedListStyle PlainListStyle Sheet PresentationDetent ShareLink
    Transferable ControlSize Axis AnyView EmptyView TupleView ViewModifier LocalizedStringKey
    AnyLayout VStackLayout HStackLayout CVarArg
    Animation Transition UIApplication UIImage UIPasteboard UIDevice DynamicTypeSize
    AccessibilityTraits OpenURLAction Gauge Grid GridRow DisclosureGroup LabeledContent
    TimelineView TabView Tab Table TableColumn Canvas
    Chart LineMark PointMark BarMark RuleMark AreaMark RectangleMark AxisMarks AxisValueLabel
    AxisGridLine AxisTick ChartProxy PlottableValue
    CIFilter CIContext CIImage CGImage CGFloat CGRect CGSize CGPoint CGAffineTransform
    DatePicker EditButton ScrollViewReader ScrollViewProxy UIHostingController ColorScheme
    Visibility Path LinearGradient Gradient UnitPoint Angle SymbolRenderingMode SubmitLabel
    UIKeyboardType UITextContentType TextFieldStyle RoundedBorderTextFieldStyle PlainButtonStyle
    BorderedButtonStyle BorderedProminentButtonStyle DismissAction OpenWindowAction ScenePhase
    AccessibilityChildBehavior HapticFeedback SensoryFeedback Observable Bindable
    FileDocument ReadConfiguration WriteConfiguration FileWrapper UTType UniformTypeIdentifiers
    """.split()
)

# Keywords tree-sitter-swift 0.7 sometimes reads as type names.
NOT_TYPES = {"throws", "rethrows", "async", "some", "any"}

# Cases of Optional: a pattern or value may name them wherever a generated
# enum is optional (`case .some(.lowHope)`, `== .none`).
OPTIONAL_CASES = {"some", "none"}

# Free functions of Swift and the Apple frameworks the apps call; only
# consulted for the "unknown function" rule (a renamed generated top-level
# function leaves its old name called nowhere declared).
PLATFORM_FUNCTIONS = set(
    """
    print debugPrint dump min max abs zip stride precondition preconditionFailure assert
    assertionFailure fatalError type repeatElement sequence swap round floor ceil sqrt pow
    withAnimation withTransaction withCheckedContinuation withCheckedThrowingContinuation
    withUnsafeContinuation withUnsafeThrowingContinuation withTaskGroup withThrowingTaskGroup
    withExtendedLifetime withUnsafeBytes withUnsafeMutableBytes withUnsafePointer
    withUnsafeMutablePointer autoreleasepool numericCast unsafeBitCast isKnownUniquelyReferenced
    defer
    """.split()
)

# Module names a qualified type may start with (`Foundation.Date`).
MODULES = {"Swift", "Foundation", "SwiftUI", "Charts", "Security", "CoreImage", "Combine", "UIKit"}

# Sequence methods whose closure parameters are the elements (count of them).
ELEMENT_CLOSURES = {
    "map": 1, "compactMap": 1, "flatMap": 1, "filter": 1, "forEach": 1, "first": 1, "last": 1,
    "contains": 1, "allSatisfy": 1, "firstIndex": 1, "lastIndex": 1, "drop": 1, "prefix": 1,
    "removeAll": 1, "sorted": 2, "sort": 2, "min": 2, "max": 2, "count": 1,
}
SAME_LIST = {"filter", "sorted", "reversed", "prefix", "suffix", "dropFirst", "dropLast", "shuffled"}
ONE_ELEMENT = {"first", "last", "min", "max", "randomElement", "popLast", "removeFirst", "removeLast"}


def parse_source(data):
    for valid, accepted in GRAMMAR_GAPS:
        data = data.replace(valid, accepted)
    return data, PARSER.parse(data)


def text(node):
    """A node's source; identifiers without the backticks that let a keyword
    be a name (uniffi writes ``case `private` ``)."""
    source = node.text.decode("utf-8", "replace")
    if node.type in ("simple_identifier", "type_identifier"):
        return source.strip("`")
    return source


def fields(node, name):
    return node.children_by_field_name(name)


TYPE_NODES = {
    "user_type",
    "optional_type",
    "array_type",
    "dictionary_type",
    "tuple_type",
    "function_type",
    "opaque_type",
    "existential_type",
    "metatype",
    "protocol_composition_type",
    "implicitly_unwrapped_type",
}


def parse_type(node, resolve):
    """A `Ty` for a type node; `resolve(names)` maps a user type's dotted parts."""
    if node is None:
        return None
    kind = node.type
    if kind == "type_annotation":
        inner = [c for c in node.named_children if c.type in TYPE_NODES]
        return parse_type(inner[0], resolve) if inner else None
    if kind in ("optional_type", "implicitly_unwrapped_type"):
        inner = [c for c in node.named_children if c.type in TYPE_NODES]
        return parse_type(inner[0], resolve) if inner else None
    if kind == "array_type":
        inner = [c for c in node.named_children if c.type in TYPE_NODES]
        return ("list", parse_type(inner[0], resolve)) if inner else None
    if kind == "dictionary_type":
        inner = [c for c in node.named_children if c.type in TYPE_NODES]
        if len(inner) == 2:
            return ("map", parse_type(inner[0], resolve), parse_type(inner[1], resolve))
        return None
    if kind == "tuple_type":
        parts = [c for c in node.named_children if c.type != "tuple_type_item"] or []
        items = [c for c in node.named_children if c.type == "tuple_type_item"]
        members = []
        for item in items or parts:
            inner = [c for c in item.named_children if c.type in TYPE_NODES] if item.type == "tuple_type_item" else [item]
            members.append(parse_type(inner[0], resolve) if inner else None)
        return ("tuple", members) if len(members) > 1 else (members[0] if members else None)
    if kind == "user_type":
        names = [text(c) for c in node.named_children if c.type == "type_identifier"]
        arguments = [c for c in node.named_children if c.type == "type_arguments"]
        if names in (["Array"], ["Set"]) and arguments:
            inner = [c for c in arguments[0].named_children if c.type in TYPE_NODES]
            return ("list", parse_type(inner[0], resolve)) if inner else None
        if names == ["Optional"] and arguments:
            inner = [c for c in arguments[0].named_children if c.type in TYPE_NODES]
            return parse_type(inner[0], resolve) if inner else None
        return resolve(names) if names else None
    return None


def type_child(node):
    """The first type node among `node`'s children."""
    for c in node.named_children:
        if c.type in TYPE_NODES or c.type == "type_annotation":
            return c
    return None


def is_private(node):
    for c in node.named_children:
        if c.type == "modifiers":
            return any(text(m) in ("private", "fileprivate") for m in c.named_children)
    return False


def is_static(node):
    for c in node.named_children:
        if c.type == "modifiers":
            return any(m.type == "property_modifier" and text(m) in ("static", "class") for m in c.named_children)
    return False


def declared_name(node):
    """The name of a class/struct/enum/extension/protocol declaration (dotted)."""
    name = node.child_by_field_name("name")
    if name is None:
        return None
    if name.type == "user_type":
        return ".".join(text(c) for c in name.named_children if c.type == "type_identifier")
    return text(name)


def declaration_kind(node):
    kind = node.child_by_field_name("declaration_kind")
    return text(kind) if kind is not None else "class"


def parameters(node, resolve):
    """[external label, internal name, Ty, has default, type node] per parameter.

    tree-sitter-swift puts a parameter's default value beside it, as the
    declaration's `default_value` field."""
    out = []
    for i, c in enumerate(node.children):
        if c.type == "parameter":
            external = c.child_by_field_name("external_name")
            names = [n for n in fields(c, "name") if n.type == "simple_identifier"]
            internal = text(names[0]) if names else None
            label = text(external) if external is not None else internal
            ty_node = next((n for n in fields(c, "name") if n.type in TYPE_NODES), None)
            out.append([None if label == "_" else label, internal, parse_type(ty_node, resolve), False, ty_node])
        elif out and node.field_name_for_child(i) == "default_value":
            out[-1][3] = True
    return out


def return_type_node(node):
    """The return type of a function declaration: the type after `->`."""
    seen_arrow = False
    for c in node.children:
        if c.type == "->":
            seen_arrow = True
        elif seen_arrow and c.type in TYPE_NODES:
            return c
    return None


def callable_of(node, resolve):
    params = [Param(label, ty, default) for label, _, ty, default, _ in parameters(node, resolve)]
    return Callable(params, parse_type(return_type_node(node), resolve))


# ---------------------------------------------------------------- generated


def read_api(data):
    """The `Api` a generated Swift source declares (non-private names)."""
    data, tree = parse_source(data)
    api = Api()
    root = tree.root_node
    top = [c for c in root.named_children]
    for node in top:
        if node.type in ("class_declaration", "protocol_declaration"):
            name = declared_name(node)
            kind = declaration_kind(node)
            if name and kind != "extension" and not is_private(node):
                api.types.setdefault(name, ApiType(name, kind))
        elif node.type == "typealias_declaration" and not is_private(node):
            name = node.child_by_field_name("name")
            if name is not None:
                api.types.setdefault(text(name), ApiType(text(name), "typealias"))

    def resolve(names):
        if names[0] in MODULES and len(names) > 1:
            names = names[1:]
        return ("gen", names[0]) if len(names) == 1 and names[0] in api.types else None

    for node in top:
        if node.type in ("class_declaration", "protocol_declaration"):
            name = declared_name(node)
            if not name or name not in api.types or is_private(node):
                continue
            t = api.types[name]
            for inherit in node.named_children:
                if inherit.type == "inheritance_specifier":
                    for user in inherit.named_children:
                        names = [text(c) for c in user.named_children if c.type == "type_identifier"]
                        if names and names[-1] in api.types:
                            t.supertypes.append(names[-1])
            body = node.child_by_field_name("body")
            if body is not None:
                read_members(body, t, resolve)
        elif node.type == "function_declaration" and not is_private(node):
            name = node.child_by_field_name("name")
            api.functions.setdefault(text(name), []).append(callable_of(node, resolve))
    return api


def read_members(body, t, resolve):
    for m in body.named_children:
        if is_private(m):
            continue
        if m.type in ("property_declaration", "protocol_property_declaration"):
            target = t.static_fields if is_static(m) else t.fields
            ty = parse_type(type_child(m), resolve)
            for pattern in fields(m, "name"):
                for ident in pattern_identifiers(pattern):
                    target[ident] = ty
        elif m.type in ("function_declaration", "protocol_function_declaration"):
            name = text(m.child_by_field_name("name"))
            target = t.statics if is_static(m) else t.methods
            target.setdefault(name, []).append(callable_of(m, resolve))
        elif m.type == "init_declaration":
            t.inits.append(callable_of(m, resolve))
        elif m.type == "enum_entry":
            read_enum_entry(m, t, resolve)
        elif m.type in ("class_declaration", "protocol_declaration"):
            nested = declared_name(m)
            if nested:
                t.nested.add(nested)


def read_enum_entry(entry, t, resolve):
    """`case a`, `case b(x: T, _ y: U)`, `case c, d`: names with their values."""
    current = None
    for i, c in enumerate(entry.children):
        field_name = entry.field_name_for_child(i)
        if field_name == "name":
            current = text(c)
            t.cases[current] = None
        elif field_name == "data_contents" and current is not None:
            params, label = [], None
            for part in c.named_children:
                if part.type == "simple_identifier":
                    label = text(part)
                elif part.type == "wildcard_pattern":
                    label = "_"
                elif part.type in TYPE_NODES:
                    params.append(Param(None if label in (None, "_") else label, parse_type(part, resolve)))
                    label = None
            t.cases[current] = Callable(params, ("gen", t.name))


def pattern_identifiers(pattern):
    """Names a binding pattern introduces."""
    if pattern.type == "simple_identifier":
        return [text(pattern)]
    out = []
    bound = pattern.child_by_field_name("bound_identifier")
    if bound is not None:
        return [text(bound)]
    for c in pattern.named_children:
        if c.type in ("pattern", "simple_identifier"):
            out.extend(pattern_identifiers(c))
    return out


def closure_parameter_names(node):
    names = []
    for c in node.named_children:
        if c.type == "lambda_function_type":
            for n in walk(c):
                if n.type == "lambda_parameter":
                    name = n.child_by_field_name("name")
                    if name is not None:
                        names.append(text(name))
    return names


def walk(node, skip=()):
    """Every node under `node`, in source order, not entering `skip` kinds."""
    stack = [node]
    while stack:
        current = stack.pop()
        if current.type in skip:
            continue
        yield current
        stack.extend(reversed(current.children))
