/// ISO/IEC 18004 §7.8.3 mask evaluation; the encoder keeps the mask with the lowest score,
/// which is the one least likely to confuse a reader.
enum Penalty {
    /// Sum of
    /// N1 runs of five or more same-coloured modules in a row or column (3 + run − 5 each),
    /// N2 2×2 blocks of one colour (3 each),
    /// N3 finder-like 1:1:3:1:1 patterns with four light modules on one side (40 each side),
    /// N4 10 for every full 5% the dark share strays from 50%.
    /// `dark` is row-major, `size` × `size`.
    static func score(size: Int, dark: [Bool]) -> Int {
        func at(_ x: Int, _ y: Int) -> Bool { dark[y * size + x] }
        var total = 0
        for line in 0..<size {
            total += lineScore(size) { at($0, line) }  // row
            total += lineScore(size) { at(line, $0) }  // column
        }
        for y in 0..<(size - 1) {
            for x in 0..<(size - 1) {
                let c = at(x, y)
                if c == at(x + 1, y), c == at(x, y + 1), c == at(x + 1, y + 1) { total += 3 }
            }
        }
        let darkCount = dark.reduce(0) { $0 + ($1 ? 1 : 0) }
        let cells = size * size
        total += abs(darkCount * 20 - cells * 10) / cells * 10
        return total
    }

    /// N1 and N3 along one row or column of `length` modules; `module(i)` reads position i.
    private static func lineScore(_ length: Int, _ module: (Int) -> Bool) -> Int {
        var total = 0
        var runLength = 0
        var runColor = false
        for i in 0..<length {
            let c = module(i)
            if i > 0 && c == runColor {
                runLength += 1
            } else {
                if runLength >= 5 { total += runLength - 2 }
                runColor = c
                runLength = 1
            }
        }
        if runLength >= 5 { total += runLength - 2 }

        // Outside the symbol is the light quiet zone, so the light side may run past the edge.
        func at(_ i: Int) -> Bool { i >= 0 && i < length && module(i) }
        let finder: [Bool] = [true, false, true, true, true, false, true]
        for start in 0...(length - 7) where (0..<7).allSatisfy({ at(start + $0) == finder[$0] }) {
            if (1...4).allSatisfy({ !at(start - $0) }) { total += 40 }
            if (1...4).allSatisfy({ !at(start + 6 + $0) }) { total += 40 }
        }
        return total
    }
}
