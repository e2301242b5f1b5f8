/// What an expression inside `{{ }}` refers to. Parsed once at load so rendering
/// never looks at tag text again.
enum TemplatePath: Sendable, Equatable {
    /// `this`, `.`, or `this.a.b`: the innermost scope, then the keys in `rest`.
    case this(rest: [TemplateContext.Name])
    /// `@index`: the 0-based position in the innermost `{{#each}}`.
    case index
    /// `a.b.c`: `a` is searched from the innermost scope outwards, then `.b.c` followed from there.
    case name(first: TemplateContext.Name, rest: [TemplateContext.Name])
}

/// One node of a parsed template. Partials are spliced in at load time, so a
/// fully loaded template never contains `.partial`.
enum TemplateNode: Sendable {
    /// Literal text, kept as UTF-8 so rendering is a plain byte copy.
    case text([UInt8])
    /// `{{ path }}` (escaped) or `{{ raw path }}`.
    case value(TemplatePath, raw: Bool)
    /// `{{#if}}` (negated == false) or `{{#unless}}` (negated == true).
    case conditional(TemplatePath, negated: Bool, then: [TemplateNode], otherwise: [TemplateNode])
    /// `{{#each}}`; `otherwise` renders when the value is not a non-empty array.
    case each(TemplatePath, body: [TemplateNode], otherwise: [TemplateNode])
    /// `{{> name }}` before resolution; `line` is kept for missing-partial/cycle errors.
    case partial(name: String, line: Int)
    /// `{{ yield }}` in a layout: where the page body goes.
    case yield
}
