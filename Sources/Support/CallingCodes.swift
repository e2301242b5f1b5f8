/// The country a phone number is in, from its calling code (ITU-T E.164 country codes),
/// by longest-prefix match over the digits after the `+`. Our own table, no dependency.
///
/// The North American Numbering Plan shares +1 among 25 countries: the three digits after
/// it (the area code) say which. US and Canada are told apart by Canada's area codes, and
/// the Caribbean and Pacific members (+1 876 Jamaica, +1 268 Antigua, +1 809 Dominican
/// Republic, …) are their own countries: they are favourite SMS-pumping destinations, so an
/// operator allowing `US` must not let them through. Likewise +7 is Russia except +7 6 and
/// +7 7 (Kazakhstan). Numbers outside any country (+881 satellite phones, +882/+883
/// international networks, +979 premium rate) have none.
public enum CallingCodes {
    /// The ISO 3166-1 alpha-2 code of `number` (E.164, `+` and digits), or nil when its
    /// calling code belongs to no country we know.
    public static func country(of number: String) -> String? {
        let digits = number.hasPrefix("+") ? number.dropFirst() : Substring(number)
        var length = min(digits.count, longestPrefix)
        while length > 0 {
            if let country = table[String(digits.prefix(length))] { return country }
            length -= 1
        }
        return nil
    }

    /// The calling code (digits, no `+`) of the ISO 3166-1 alpha-2 `country`, or nil: its
    /// shortest prefix in the table (`US` → 1, `RE` → 262).
    public static func callingCode(of country: String) -> String? {
        let iso = country.uppercased()
        // The NANP's members are listed by area code, Kazakhstan by +7 6 / +7 7: their code is 1 or 7.
        if iso == "US" || iso == "CA" || nanpCountries.values.contains(iso) { return "1" }
        if iso == "KZ" { return "7" }
        return table.filter { $0.value == iso }.keys.min { ($0.count, $0) < ($1.count, $1) }
    }

    /// Every country the table can place a number in (what SMS_COUNTRIES may name).
    public static let countries: Set<String> = Set(table.values)

    private static let longestPrefix = table.keys.map(\.count).max() ?? 4

    private static let table: [String: String] = {
        var t: [String: String] = [
            // Zone 1: the NANP. Everything not listed below is the US.
            "1": "US",
            // Zone 2: Africa and a few islands.
            "20": "EG", "211": "SS", "212": "MA", "213": "DZ", "216": "TN", "218": "LY", "220": "GM", "221": "SN",
            "222": "MR", "223": "ML", "224": "GN", "225": "CI", "226": "BF", "227": "NE", "228": "TG", "229": "BJ",
            "230": "MU", "231": "LR", "232": "SL", "233": "GH", "234": "NG", "235": "TD", "236": "CF", "237": "CM",
            "238": "CV", "239": "ST", "240": "GQ", "241": "GA", "242": "CG", "243": "CD", "244": "AO", "245": "GW",
            "246": "IO", "247": "SH", "248": "SC", "249": "SD", "250": "RW", "251": "ET", "252": "SO", "253": "DJ",
            "254": "KE", "255": "TZ", "256": "UG", "257": "BI", "258": "MZ", "260": "ZM", "261": "MG", "262": "RE",
            "262269": "YT", "262639": "YT", "263": "ZW", "264": "NA", "265": "MW", "266": "LS", "267": "BW",
            "268": "SZ", "269": "KM", "27": "ZA", "290": "SH", "291": "ER", "297": "AW", "298": "FO", "299": "GL",
            // Zones 3 and 4: Europe.
            "30": "GR", "31": "NL", "32": "BE", "33": "FR", "34": "ES", "350": "GI", "351": "PT", "352": "LU",
            "353": "IE", "354": "IS", "355": "AL", "356": "MT", "357": "CY", "358": "FI", "35818": "AX", "359": "BG",
            "36": "HU", "370": "LT", "371": "LV", "372": "EE", "373": "MD", "374": "AM", "375": "BY", "376": "AD",
            "377": "MC", "378": "SM", "379": "VA", "3906698": "VA", "380": "UA", "381": "RS", "382": "ME", "383": "XK",
            "385": "HR", "386": "SI", "387": "BA", "389": "MK", "39": "IT",
            "40": "RO", "41": "CH", "420": "CZ", "421": "SK", "423": "LI", "43": "AT", "44": "GB", "441481": "GG",
            "441534": "JE", "441624": "IM", "45": "DK", "46": "SE", "47": "NO", "4779": "SJ", "48": "PL", "49": "DE",
            // Zone 5: Central and South America.
            "500": "FK", "501": "BZ", "502": "GT", "503": "SV", "504": "HN", "505": "NI", "506": "CR", "507": "PA",
            "508": "PM", "509": "HT", "51": "PE", "52": "MX", "53": "CU", "54": "AR", "55": "BR", "56": "CL",
            "57": "CO", "58": "VE", "590": "GP", "591": "BO", "592": "GY", "593": "EC", "594": "GF", "595": "PY",
            "596": "MQ", "597": "SR", "598": "UY", "599": "CW", "5993": "BQ", "5994": "BQ", "5997": "BQ",
            // Zone 6: South-East Asia and Oceania.
            "60": "MY", "61": "AU", "6189162": "CC", "6189164": "CX", "62": "ID", "63": "PH", "64": "NZ", "65": "SG",
            "66": "TH", "670": "TL", "6721": "AQ", "6723": "NF", "673": "BN", "674": "NR", "675": "PG", "676": "TO",
            "677": "SB", "678": "VU", "679": "FJ", "680": "PW", "681": "WF", "682": "CK", "683": "NU", "685": "WS",
            "686": "KI", "687": "NC", "688": "TV", "689": "PF", "690": "TK", "691": "FM", "692": "MH",
            // Zone 7: Russia, and Kazakhstan's +7 6 / +7 7.
            "7": "RU", "76": "KZ", "77": "KZ",
            // Zone 8: East Asia (870, 881–883: satellite and international networks, no country).
            "81": "JP", "82": "KR", "84": "VN", "850": "KP", "852": "HK", "853": "MO", "855": "KH", "856": "LA",
            "86": "CN", "880": "BD", "886": "TW",
            // Zone 9: West, Central and South Asia.
            "90": "TR", "91": "IN", "92": "PK", "93": "AF", "94": "LK", "95": "MM", "960": "MV", "961": "LB",
            "962": "JO", "963": "SY", "964": "IQ", "965": "KW", "966": "SA", "967": "YE", "968": "OM", "970": "PS",
            "971": "AE", "972": "IL", "973": "BH", "974": "QA", "975": "BT", "976": "MN", "977": "NP", "98": "IR",
            "992": "TJ", "993": "TM", "994": "AZ", "995": "GE", "996": "KG", "998": "UZ",
        ]
        for (areaCode, country) in nanpCountries { t["1" + areaCode] = country }
        for areaCode in canadianAreaCodes { t["1" + areaCode] = "CA" }
        return t
    }()

    /// NANP members other than the US and Canada, by area code (NANPA's list). US territories
    /// with their own ISO code (PR, VI, GU, MP, AS) count as their own countries too.
    static let nanpCountries: [String: String] = [
        "242": "BS", "246": "BB", "264": "AI", "268": "AG", "284": "VG", "340": "VI", "345": "KY", "441": "BM",
        "473": "GD", "649": "TC", "658": "JM", "876": "JM", "664": "MS", "670": "MP", "671": "GU", "684": "AS",
        "721": "SX", "758": "LC", "767": "DM", "784": "VC", "787": "PR", "939": "PR", "809": "DO", "829": "DO",
        "849": "DO", "868": "TT", "869": "KN",
    ]

    /// Canada's area codes (geographic, and the non-geographic 600 and 622).
    static let canadianAreaCodes: [String] = [
        "204", "226", "236", "249", "250", "257", "263", "289", "306", "343", "354", "365", "367", "368", "382",
        "387", "403", "416", "418", "428", "431", "437", "438", "450", "460", "468", "474", "506", "514", "519",
        "548", "579", "581", "584", "587", "600", "604", "613", "622", "639", "647", "672", "683", "705", "709",
        "742", "753", "778", "780", "782", "807", "819", "825", "867", "873", "879", "902", "905", "942",
    ]
}
