/// The continent of every ISO 3166-1 country code (plus `AN`, `CS`, `XK`), for databases that give a country only
/// (the Tor range files).
///
/// Source: GeoNames countryInfo (data CC BY 4.0, "GeoNames, geonames.org"), as in `cc2continent.tsv`; identical to
/// the continents MaxMind's GeoLite2 assigns. Each entry is four letters: the country, then its continent.
public enum ContinentTable: Sendable {
    static let entries = """
        ADEU AEAS AFAS AGNA AINA ALEU AMAS ANNA AOAF AQAN ARSA ASOC ATEU AUOC AWNA AXEU AZAS BAEU BBNA BDAS
        BEEU BFAF BGEU BHAS BIAF BJAF BLNA BMNA BNAS BOSA BQNA BRSA BSNA BTAS BVAN BWAF BYEU BZNA CANA CCAS
        CDAF CFAF CGAF CHEU CIAF CKOC CLSA CMAF CNAS COSA CRNA CSEU CUNA CVAF CWNA CXOC CYEU CZEU DEEU DJAF
        DKEU DMNA DONA DZAF ECSA EEEU EGAF EHAF ERAF ESEU ETAF FIEU FJOC FKSA FMOC FOEU FREU GAAF GBEU GDNA
        GEAS GFSA GGEU GHAF GIEU GLNA GMAF GNAF GPNA GQAF GREU GSAN GTNA GUOC GWAF GYSA HKAS HMAN HNNA HREU
        HTNA HUEU IDAS IEEU ILAS IMEU INAS IOAS IQAS IRAS ISEU ITEU JEEU JMNA JOAS JPAS KEAF KGAS KHAS KIOC
        KMAF KNNA KPAS KRAS KWAS KYNA KZAS LAAS LBAS LCNA LIEU LKAS LRAF LSAF LTEU LUEU LVEU LYAF MAAF MCEU
        MDEU MEEU MFNA MGAF MHOC MKEU MLAF MMAS MNAS MOAS MPOC MQNA MRAF MSNA MTEU MUAF MVAS MWAF MXNA MYAS
        MZAF NAAF NCOC NEAF NFOC NGAF NINA NLEU NOEU NPAS NROC NUOC NZOC OMAS PANA PESA PFOC PGOC PHAS PKAS
        PLEU PMNA PNOC PRNA PSAS PTEU PWOC PYSA QAAS REAF ROEU RSEU RUEU RWAF SAAS SBOC SCAF SDAF SEEU SGAS
        SHAF SIEU SJEU SKEU SLAF SMEU SNAF SOAF SRSA SSAF STAF SVNA SXNA SYAS SZAF TCNA TDAF TFAN TGAF THAS
        TJAS TKOC TLOC TMAS TNAF TOOC TRAS TTNA TVOC TWAS TZAF UAEU UGAF UMOC USNA UYSA UZAS VAEU VCNA VESA
        VGNA VINA VNAS VUOC WFOC WSOC XKEU YEAS YTAF ZAAF ZMAF ZWAF
        """

    static let table: [UInt16: UInt16] = {
        var table: [UInt16: UInt16] = [:]
        for word in entries.split(whereSeparator: { $0 == " " || $0 == "\n" }) {
            let bytes = Array(word.utf8)
            guard bytes.count == 4 else { continue }
            table[GeoCode.pack(bytes[0], bytes[1])] = GeoCode.pack(bytes[2], bytes[3])
        }
        return table
    }()

    /// The continent code of a country code, if the country is known.
    public static func continent(ofCountry country: UInt16) -> UInt16? {
        table[country]
    }

    /// How many countries the table knows.
    public static var count: Int { table.count }
}
