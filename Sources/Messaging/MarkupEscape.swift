/// Text for XML or HTML built by hand (TwiML, an e-mail's HTML part): the five characters that
/// could end an element or an attribute become entities. `&#39;` rather than `&apos;`, which
/// HTML 4 mail clients don't know.
public enum MarkupEscape {
    public static func text(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}
