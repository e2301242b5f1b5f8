import Support

/// The language of a request's texts and calls: Vonage's `lg` codes (`de-de`), Twilio's
/// `Locale` (`de`, `pt-BR`), or, when neither is given, the number's country (as Vonage does),
/// falling back to US English. Each language's wording is our own, written for a text read on a
/// lock screen and a call heard once; a call reads the code digit by digit ("1, 2, 3"), and the
/// provider's voice for `voiceTag` says each digit in the language.
public enum VerifyLanguage: String, Sendable, CaseIterable {
    case enUS = "en-us", enGB = "en-gb", deDE = "de-de", frFR = "fr-fr", esES = "es-es", esMX = "es-mx"
    case itIT = "it-it", ptPT = "pt-pt", ptBR = "pt-br", nlNL = "nl-nl", svSE = "sv-se", plPL = "pl-pl"

    /// A Vonage `lg` (`de-de`) or a Twilio `Locale` (`de`, `en-GB`, `pt-BR`, `es-MX`), any case;
    /// nil for a language we have no texts in.
    public init?(code: String) {
        let lower = code.lowercased().replacingOccurrences(of: "_", with: "-")
        if let exact = VerifyLanguage(rawValue: lower) { self = exact; return }
        // Twilio's bare language codes: the language's main variety.
        let bare: [String: VerifyLanguage] = ["en": .enUS, "de": .deDE, "fr": .frFR, "es": .esES, "it": .itIT,
                                              "pt": .ptPT, "nl": .nlNL, "sv": .svSE, "pl": .plPL, "es-419": .esMX]
        guard let found = bare[lower] else { return nil }
        self = found
    }

    /// The language of the number's country (`CallingCodes`); US English where we have no text
    /// in the country's language.
    public static func forNumber(_ e164: String) -> VerifyLanguage {
        CallingCodes.country(of: e164).flatMap { byCountry[$0] } ?? .enUS
    }

    static let byCountry: [String: VerifyLanguage] = {
        var map: [String: VerifyLanguage] = [
            "US": .enUS, "CA": .enUS, "GB": .enGB, "IE": .enGB, "AU": .enGB, "NZ": .enGB,
            "DE": .deDE, "AT": .deDE, "LI": .deDE, "FR": .frFR, "MC": .frFR, "ES": .esES, "MX": .esMX,
            "IT": .itIT, "SM": .itIT, "PT": .ptPT, "BR": .ptBR, "NL": .nlNL, "SE": .svSE, "PL": .plPL,
        ]
        // The Spanish-speaking Americas: the Latin American wording.
        for country in ["AR", "BO", "CL", "CO", "CR", "CU", "DO", "EC", "GT", "HN", "NI", "PA", "PE", "PR", "PY", "SV", "UY", "VE"] {
            map[country] = .esMX
        }
        return map
    }()

    /// The BCP 47 tag a voice provider takes (`de-DE`).
    public var voiceTag: String {
        let parts = rawValue.split(separator: "-")
        return "\(parts[0])-\(parts[1].uppercased())"
    }

    // MARK: Texts

    /// The text carrying a code: "Your Acme code is 123456. It expires in 5 minutes."
    public func sms(brand: String, pin: String, expiry: Int) -> String {
        let span = self.span(expiry)
        switch self {
        case .enUS, .enGB: return "Your \(brand) code is \(pin). It expires in \(span)."
        case .deDE: return "Ihr Code für \(brand) lautet \(pin). Er ist \(span) gültig."
        case .frFR: return "Votre code \(brand) est \(pin). Il expire dans \(span)."
        case .esES: return "Tu código de \(brand) es \(pin). Caduca en \(span)."
        case .esMX: return "Tu código de \(brand) es \(pin). Vence en \(span)."
        case .itIT: return "Il tuo codice \(brand) è \(pin). Scade tra \(span)."
        case .ptPT: return "O seu código \(brand) é \(pin). Expira dentro de \(span)."
        case .ptBR: return "Seu código \(brand) é \(pin). Ele expira em \(span)."
        case .nlNL: return "Je code voor \(brand) is \(pin). Deze verloopt over \(span)."
        case .svSE: return "Din kod för \(brand) är \(pin). Koden gäller i \(span)."
        case .plPL: return "Twój kod \(brand) to \(pin). Wygaśnie za \(span)."
        }
    }

    /// The words of a call: the code digit by digit, then once more, since a listener can't scroll back.
    public func voice(brand: String, pin: String) -> String {
        let spoken = pin.map(String.init).joined(separator: ", ")
        switch self {
        case .enUS, .enGB: return "Your \(brand) code is \(spoken). Again: \(spoken)."
        case .deDE: return "Ihr Code für \(brand) lautet \(spoken). Noch einmal: \(spoken)."
        case .frFR: return "Votre code \(brand) est \(spoken). Je répète : \(spoken)."
        case .esES, .esMX: return "Tu código de \(brand) es \(spoken). Repito: \(spoken)."
        case .itIT: return "Il tuo codice \(brand) è \(spoken). Ripeto: \(spoken)."
        case .ptPT: return "O seu código \(brand) é \(spoken). Repito: \(spoken)."
        case .ptBR: return "Seu código \(brand) é \(spoken). Repetindo: \(spoken)."
        case .nlNL: return "Je code voor \(brand) is \(spoken). Nogmaals: \(spoken)."
        case .svSE: return "Din kod för \(brand) är \(spoken). En gång till: \(spoken)."
        case .plPL: return "Twój kod \(brand) to \(spoken). Powtarzam: \(spoken)."
        }
    }

    /// A PSD2 payment's text (dynamic linking): the code names the payee and the amount.
    public func psd2SMS(payee: String, amount: String, pin: String, expiry: Int) -> String {
        "\(psd2Intro(payee: payee, amount: amount)) \(pin). \(expiryClause(expiry))"
    }

    /// A PSD2 payment's call: payee and amount, then the code digit by digit, twice.
    public func psd2Voice(payee: String, amount: String, pin: String) -> String {
        let spoken = pin.map(String.init).joined(separator: ", ")
        return "\(psd2Intro(payee: payee, amount: amount)) \(spoken). \(againWord) \(spoken)."
    }

    private func psd2Intro(payee: String, amount: String) -> String {
        let money = euros(amount)
        switch self {
        case .enUS, .enGB: return "Your code to pay \(money) to \(payee) is"
        case .deDE: return "Ihr Code für die Zahlung von \(money) an \(payee) lautet"
        case .frFR: return "Votre code pour payer \(money) à \(payee) est"
        case .esES, .esMX: return "Tu código para pagar \(money) a \(payee) es"
        case .itIT: return "Il tuo codice per pagare \(money) a \(payee) è"
        case .ptPT: return "O seu código para pagar \(money) a \(payee) é"
        case .ptBR: return "Seu código para pagar \(money) a \(payee) é"
        case .nlNL: return "Je code om \(money) te betalen aan \(payee) is"
        case .svSE: return "Din kod för att betala \(money) till \(payee) är"
        case .plPL: return "Twój kod do zapłaty \(money) na rzecz \(payee) to"
        }
    }

    private var againWord: String {
        switch self {
        case .enUS, .enGB: return "Again:"
        case .deDE: return "Noch einmal:"
        case .frFR: return "Je répète :"
        case .esES, .esMX, .ptPT: return "Repito:"
        case .itIT: return "Ripeto:"
        case .ptBR: return "Repetindo:"
        case .nlNL: return "Nogmaals:"
        case .svSE: return "En gång till:"
        case .plPL: return "Powtarzam:"
        }
    }

    private func expiryClause(_ expiry: Int) -> String {
        let span = self.span(expiry)
        switch self {
        case .enUS, .enGB: return "It expires in \(span)."
        case .deDE: return "Er ist \(span) gültig."
        case .frFR: return "Il expire dans \(span)."
        case .esES: return "Caduca en \(span)."
        case .esMX: return "Vence en \(span)."
        case .itIT: return "Scade tra \(span)."
        case .ptPT: return "Expira dentro de \(span)."
        case .ptBR: return "Ele expira em \(span)."
        case .nlNL: return "Deze verloopt over \(span)."
        case .svSE: return "Koden gäller i \(span)."
        case .plPL: return "Wygaśnie za \(span)."
        }
    }

    /// An amount in euros ("1234.5" as given) written the language's way: "€1,234.50", "1.234,50 €".
    public func euros(_ amount: String) -> String {
        let parts = amount.split(separator: ".", omittingEmptySubsequences: false)
        let whole = String(parts[0])
        var cents = parts.count > 1 ? String(parts[1]) : ""
        cents = String((cents + "00").prefix(2))
        func grouped(_ separator: String) -> String {
            var out = "", count = 0
            for ch in whole.reversed() {
                if count > 0 && count % 3 == 0 { out = separator + out }
                out = String(ch) + out
                count += 1
            }
            return out
        }
        switch self {
        case .enUS, .enGB: return "€\(grouped(","))" + ".\(cents)"
        case .nlNL: return "€ \(grouped("."))" + ",\(cents)"
        case .frFR, .svSE, .plPL: return "\(grouped("\u{00A0}")),\(cents)\u{00A0}€"
        case .deDE, .esES, .esMX, .itIT, .ptPT, .ptBR: return "\(grouped(".")),\(cents)\u{00A0}€"
        }
    }

    /// "5 minutes", "1 minute", "90 seconds", in the language (Polish has three plural forms).
    func span(_ seconds: Int) -> String {
        let wholeMinutes = seconds % 60 == 0
        let n = wholeMinutes ? seconds / 60 : seconds
        let (one, other): (String, String)
        switch (self, wholeMinutes) {
        case (.enUS, true), (.enGB, true): (one, other) = ("minute", "minutes")
        case (.enUS, false), (.enGB, false): (one, other) = ("second", "seconds")
        case (.deDE, true): (one, other) = ("Minute", "Minuten")
        case (.deDE, false): (one, other) = ("Sekunde", "Sekunden")
        case (.frFR, true): (one, other) = ("minute", "minutes")
        case (.frFR, false): (one, other) = ("seconde", "secondes")
        case (.esES, true), (.esMX, true), (.ptPT, true), (.ptBR, true): (one, other) = ("minuto", "minutos")
        case (.esES, false), (.esMX, false), (.ptPT, false), (.ptBR, false): (one, other) = ("segundo", "segundos")
        case (.itIT, true): (one, other) = ("minuto", "minuti")
        case (.itIT, false): (one, other) = ("secondo", "secondi")
        case (.nlNL, true): (one, other) = ("minuut", "minuten")
        case (.nlNL, false): (one, other) = ("seconde", "seconden")
        case (.svSE, true): (one, other) = ("minut", "minuter")
        case (.svSE, false): (one, other) = ("sekund", "sekunder")
        case (.plPL, _):
            // After "za": 1 minutę; 2–4 (not 12–14) minuty; otherwise minut.
            let forms = wholeMinutes ? ("minutę", "minuty", "minut") : ("sekundę", "sekundy", "sekund")
            if n == 1 { return "1 \(forms.0)" }
            let few = (2...4).contains(n % 10) && !(12...14).contains(n % 100)
            return "\(n) \(few ? forms.1 : forms.2)"
        }
        return "\(n) \(n == 1 ? one : other)"
    }
}
