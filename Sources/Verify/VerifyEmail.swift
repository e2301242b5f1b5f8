import Messaging

/// The e-mail that carries a code: the code first in the subject (mail clients that offer
/// one-time codes for autofill read it there), then the same words as the text message in
/// plain text and in HTML.
public enum VerifyEmail {
    public static func message(to address: String, brand: String, pin: String, expiry: Int) -> EmailMessage {
        let text = BuiltinVerifyEngine.smsText(brand: brand, pin: pin, expiry: expiry)
        let plain = text + "\n\nIf you did not ask for this code, you can ignore this e-mail; someone may have typed your address by mistake.\n"
        let b = escape(brand)
        let html = """
            <!DOCTYPE html>
            <html><body style="font-family: sans-serif">
            <p>Your \(b) code is</p>
            <p style="font-size: 2em; letter-spacing: 0.2em; font-weight: bold">\(escape(pin))</p>
            <p>\(escape(text.components(separatedBy: ". ").dropFirst().joined(separator: ". ")))</p>
            <p style="color: #666">If you did not ask for this code, you can ignore this e-mail; someone may have typed your address by mistake.</p>
            </body></html>
            """
        return EmailMessage(to: address, subject: "\(pin) is your \(brand) code", text: plain, html: html)
    }

    static func escape(_ text: String) -> String {
        var out = ""
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }
}
