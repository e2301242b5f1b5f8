import Messaging

/// The e-mail that carries a code: the code first in the subject (mail clients that offer
/// one-time codes for autofill read it there), then the same words as the text message in
/// plain text and in HTML. The subject and the closing note are English.
public enum VerifyEmail {
    /// `text`: the request's text message, in its language (and, for PSD2, naming the payee and
    /// the amount), so the e-mail says what the text would have.
    public static func message(to address: String, brand: String, pin: String, text: String) -> EmailMessage {
        let plain = text + "\n\n" + ignoreNote + "\n"
        let html = """
            <!DOCTYPE html>
            <html><body style="font-family: sans-serif">
            <p>\(MarkupEscape.text(text))</p>
            <p style="font-size: 2em; letter-spacing: 0.2em; font-weight: bold">\(MarkupEscape.text(pin))</p>
            <p style="color: #666">\(ignoreNote)</p>
            </body></html>
            """
        return EmailMessage(to: address, subject: "\(pin) is your \(brand) code", text: plain, html: html)
    }

    static let ignoreNote = "If you did not ask for this code, you can ignore this e-mail; someone may have typed your address by mistake."
}
