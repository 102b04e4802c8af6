/// Orders file names the way a person would: "2.jpg" before "10.jpg", digits compared by value.
public func naturalLess(_ a: String, _ b: String) -> Bool {
    var i = a.unicodeScalars.startIndex, j = b.unicodeScalars.startIndex
    let sa = a.unicodeScalars, sb = b.unicodeScalars
    while i < sa.endIndex && j < sb.endIndex {
        let ca = sa[i], cb = sb[j]
        if ca.properties.numericType != nil && isASCIIDigit(ca) && isASCIIDigit(cb) {
            var ia = i, jb = j
            while ia < sa.endIndex && isASCIIDigit(sa[ia]) { ia = sa.index(after: ia) }
            while jb < sb.endIndex && isASCIIDigit(sb[jb]) { jb = sb.index(after: jb) }
            let da = String(sa[i..<ia]).drop { $0 == "0" }, db = String(sb[j..<jb]).drop { $0 == "0" }
            if da.count != db.count { return da.count < db.count }
            if da != db { return da < db }
            // Equal values: fewer leading zeros first, so the order stays total.
            let la = sa.distance(from: i, to: ia), lb = sb.distance(from: j, to: jb)
            if la != lb { return la < lb }
            i = ia; j = jb
        } else {
            if ca != cb { return ca.value < cb.value }
            i = sa.index(after: i); j = sb.index(after: j)
        }
    }
    return sa.distance(from: i, to: sa.endIndex) < sb.distance(from: j, to: sb.endIndex)
}

private func isASCIIDigit(_ s: Unicode.Scalar) -> Bool { s.value >= 48 && s.value <= 57 }
