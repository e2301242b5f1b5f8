extension QRCode {
    /// A standalone SVG image: white background, then one `<path>` made of a rectangle for each
    /// horizontal run of dark modules. No scripts, styles or external references, so it can be
    /// inlined into a page as is. Sizes are in pixels; `quietZone` is in modules (the standard asks for 4).
    public func svg(moduleSize: Int = 4, quietZone: Int = 4) -> String {
        precondition(moduleSize > 0 && quietZone >= 0, "module size must be positive and the quiet zone not negative")
        let span = size + 2 * quietZone
        var path = ""
        for y in 0..<size {
            var x = 0
            while x < size {
                guard isDark(x: x, y: y) else { x += 1; continue }
                var run = 1
                while isDark(x: x + run, y: y) { run += 1 }
                path += "M\(x + quietZone) \(y + quietZone)h\(run)v1h-\(run)z"
                x += run
            }
        }
        let pixels = span * moduleSize
        return """
        <svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="\(pixels)" height="\(pixels)" \
        viewBox="0 0 \(span) \(span)" shape-rendering="crispEdges">\
        <rect width="\(span)" height="\(span)" fill="#ffffff"/>\
        <path d="\(path)" fill="#000000"/></svg>
        """
    }
}
