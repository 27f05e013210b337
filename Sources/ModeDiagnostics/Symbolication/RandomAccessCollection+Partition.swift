extension RandomAccessCollection {
    /// The index of the first element that `isPast` holds for, in a collection where every element it does not
    /// hold for comes first (a binary search); `endIndex` when there is none. The symbol, unit, line and scope
    /// tables use it as "one past the last entry at or below an address".
    ///
    /// ```swift
    /// [1, 3, 5, 7].partitioningIndex { $0 > 4 }  // 2
    /// ```
    func partitioningIndex(where isPast: (Element) -> Bool) -> Index {
        var low = startIndex
        var count = self.count
        while count > 0 {
            let half = count / 2
            let middle = index(low, offsetBy: half)
            if isPast(self[middle]) {
                count = half
            } else {
                low = index(after: middle)
                count -= half + 1
            }
        }
        return low
    }
}
