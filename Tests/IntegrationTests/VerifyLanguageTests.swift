import Foundation
import Messaging
import Support
import Verify
import XCTest

/// The texts' languages, amounts, national numbers and PSD2 amounts, without a server.
final class VerifyLanguageTests: XCTestCase {
    func testEveryLanguageHasItsOwnTextsWithTheCodeAndTheDigitsOneByOne() {
        var seen = Set<String>()
        for language in VerifyLanguage.allCases {
            let sms = language.sms(brand: "Acme", pin: "123456", expiry: 300)
            XCTAssertTrue(sms.contains("123456") && sms.contains("Acme") && sms.contains("5 "), "\(language): \(sms)")
            let voice = language.voice(brand: "Acme", pin: "1234")
            XCTAssertEqual(voice.components(separatedBy: "1, 2, 3, 4").count, 3, "said twice, digit by digit: \(voice)")
            let psd2 = language.psd2SMS(payee: "Shop", amount: "12.50", pin: "9876", expiry: 600)
            XCTAssertTrue(psd2.contains("Shop") && psd2.contains("12") && psd2.contains("50") && psd2.contains("9876"), psd2)
            seen.insert(sms)
        }
        // en-us and en-gb read alike; es-es and es-mx differ in a word.
        XCTAssertEqual(seen.count, VerifyLanguage.allCases.count - 1)
        XCTAssertEqual(VerifyLanguage.deDE.sms(brand: "Acme", pin: "123456", expiry: 60),
                       "Ihr Code für Acme lautet 123456. Er ist 1 Minute gültig.")
        XCTAssertEqual(VerifyLanguage.frFR.voice(brand: "Acme", pin: "42"), "Votre code Acme est 4, 2. Je répète : 4, 2.")
        XCTAssertEqual(VerifyLanguage.enUS.sms(brand: "Acme", pin: "1234", expiry: 90), "Your Acme code is 1234. It expires in 90 seconds.")
        XCTAssertEqual(VerifyLanguage.deDE.voiceTag, "de-DE")
        XCTAssertEqual(VerifyLanguage.ptBR.voiceTag, "pt-BR")
    }

    func testPolishHasThreePluralForms() {
        let pl = VerifyLanguage.plPL
        XCTAssertTrue(pl.sms(brand: "A", pin: "1234", expiry: 60).hasSuffix("Wygaśnie za 1 minutę."))
        XCTAssertTrue(pl.sms(brand: "A", pin: "1234", expiry: 180).hasSuffix("Wygaśnie za 3 minuty."))
        XCTAssertTrue(pl.sms(brand: "A", pin: "1234", expiry: 300).hasSuffix("Wygaśnie za 5 minut."))
        XCTAssertTrue(pl.sms(brand: "A", pin: "1234", expiry: 720).hasSuffix("Wygaśnie za 12 minut."))
        XCTAssertTrue(pl.sms(brand: "A", pin: "1234", expiry: 1320).hasSuffix("Wygaśnie za 22 minuty."))
    }

    func testEurosAreWrittenTheLanguagesWay() {
        XCTAssertEqual(VerifyLanguage.enGB.euros("1234.50"), "€1,234.50")
        XCTAssertEqual(VerifyLanguage.deDE.euros("1234.50"), "1.234,50\u{00A0}€")
        XCTAssertEqual(VerifyLanguage.frFR.euros("1234.50"), "1\u{00A0}234,50\u{00A0}€")
        XCTAssertEqual(VerifyLanguage.nlNL.euros("12.00"), "€ 12,00")
        XCTAssertEqual(VerifyStart.Payment.amount("12.5"), "12.50")
        XCTAssertEqual(VerifyStart.Payment.amount("7"), "7.00")
        for bad in ["", "0", "0.00", "-1", "1.234", "1e3", "12,50", "abc", "2000000"] {
            XCTAssertNil(VerifyStart.Payment.amount(bad), bad)
        }
    }

    func testLanguageCodesAndCountries() {
        XCTAssertEqual(VerifyLanguage(code: "de-de"), .deDE)
        XCTAssertEqual(VerifyLanguage(code: "pt-BR"), .ptBR)
        XCTAssertEqual(VerifyLanguage(code: "sv"), .svSE)
        XCTAssertEqual(VerifyLanguage(code: "en-GB"), .enGB)
        XCTAssertNil(VerifyLanguage(code: "xx"))
        XCTAssertEqual(VerifyLanguage.forNumber("+4915112345678"), .deDE)
        XCTAssertEqual(VerifyLanguage.forNumber("+447700900123"), .enGB)
        XCTAssertEqual(VerifyLanguage.forNumber("+5511912345678"), .ptBR)
        XCTAssertEqual(VerifyLanguage.forNumber("+541112345678"), .esMX, "Argentina: Latin American Spanish")
        XCTAssertEqual(VerifyLanguage.forNumber("+819012345678"), .enUS, "no Japanese texts: English")
    }

    func testNationalNumbersWithTheirCountry() throws {
        func parse(_ fields: [String: String]) throws -> VerifyStart { try VerifyStart.parse { fields[$0] } }
        XCTAssertEqual(try parse(["number": "07700900123", "brand": "A", "country": "GB"]).number, "+447700900123")
        XCTAssertEqual(try parse(["number": "0612345678", "brand": "A", "country": "IT"]).number, "+390612345678",
                       "Italian numbers keep their 0")
        XCTAssertEqual(try parse(["number": "2125550123", "brand": "A", "country": "US"]).number, "+12125550123")
        XCTAssertEqual(try parse(["number": "447700900123", "brand": "A", "country": "GB"]).number, "+447700900123")
        XCTAssertEqual(try parse(["number": "015112345678", "brand": "A", "country": "de"]).language, .deDE)
        XCTAssertThrowsError(try parse(["number": "07700900123", "brand": "A", "country": "XX"]))
        XCTAssertEqual(CallingCodes.callingCode(of: "CA"), "1")
        XCTAssertEqual(CallingCodes.callingCode(of: "RE"), "262")
    }

    func testCallsNameTheirLanguageToTheProviders() {
        XCTAssertEqual(TwilioGateway.twiml(say: "Hallo", language: "de-DE"), #"<Response><Say language="de-DE">Hallo</Say></Response>"#)
        XCTAssertEqual(TwilioGateway.twiml(say: "Hi"), "<Response><Say>Hi</Say></Response>")
    }
}
