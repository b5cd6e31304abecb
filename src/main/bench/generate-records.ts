/**
 * Deterministic synthetic openFDA device records, for volume tests and benchmarks.
 *
 * - Record `i` of an endpoint is a pure function of (seed, i). A run with `startIndex` yields exactly
 *   the records of the same slice of one long run, and only small shared tables stay in memory, so
 *   millions of records can be streamed.
 * - Natural keys depend on the index only, never on the seed: another seed rewrites the contents of
 *   the same keys (useful for upsert benchmarks), and keys are unique across any index ranges.
 * - Shapes, value lengths and date formats follow the openFDA field definitions and the sample
 *   records: 510k, PMA, recall and UDI dates are YYYY-MM-DD; event and enforcement are YYYYMMDD.
 * - Firms, name words and product codes come from fixed tables with a power-law skew, so names
 *   repeat the way they do in real data (a few big firms, a long tail).
 * - `openfda` blocks are harmonised by product code, as openFDA does: all records with one product
 *   code share the same frozen object (realistic, and cheap).
 */

export type EndpointName = '510k' | 'classification' | 'event' | 'recall' | 'pma' | 'udi' | 'enforcement'

export const ENDPOINT_NAMES: EndpointName[] = ['510k', 'classification', 'event', 'recall', 'pma', 'udi', 'enforcement']

/**
 * First and last year of each endpoint's main dates. They follow the real datasets (openFDA's
 * endpoint start dates: 510k 1976, event 1991, recall 2003, enforcement 2009; GUDID from 2014)
 * rather than 1976–2026 everywhere, and are skewed towards recent years, as real volumes are.
 * Recall and enforcement dates fall in the fiscal year named by the Z-number (so may start the
 * October before the first year).
 */
export const DATE_SPANS: Readonly<Record<EndpointName, readonly [number, number]>> = {
  '510k': [1976, 2026],
  classification: [1976, 2026], // no date fields
  event: [1991, 2026],
  recall: [2003, 2026],
  pma: [1976, 2026],
  udi: [2014, 2026],
  enforcement: [2009, 2026]
}

/** No generated date is later than this, except device expiration dates (the newest sample data is from June 2026). */
export const LAST_DATE = '2026-06-30'

type Rec = Record<string, unknown>

/** The endpoint's natural key as text (PMA: `P123456/S001`; UDI: record key, else the primary DI). */
export function recordKey(endpoint: EndpointName, record: Rec): string {
  switch (endpoint) {
    case '510k':
      return String(record.k_number)
    case 'classification':
      return String(record.product_code)
    case 'event':
      return String(record.mdr_report_key)
    case 'recall':
      return String(record.product_res_number)
    case 'pma':
      return `${String(record.pma_number)}/${String(record.supplement_number)}`
    case 'udi': {
      if (typeof record.public_device_record_key === 'string') return record.public_device_record_key
      const ids = record.identifiers as Array<{ type: string; id: string }> | undefined
      const primary = ids?.find((x) => x.type === 'Primary')
      if (!primary) throw new Error('UDI record has neither public_device_record_key nor a Primary identifier')
      return primary.id
    }
    case 'enforcement':
      return String(record.recall_number)
  }
}

/**
 * Streams `count` records of `endpoint`, indexes startIndex, startIndex+1, … Same (seed, index),
 * same record; the seed is taken as a 32-bit integer (default 1).
 */
export function* generateRecords(
  endpoint: EndpointName,
  count: number,
  opts: { seed?: number; startIndex?: number } = {}
): Generator<Rec> {
  const start = opts.startIndex ?? 0
  if (!Number.isSafeInteger(count) || count < 0) throw new RangeError(`count must be a non-negative integer, got ${count}`)
  if (!Number.isSafeInteger(start) || start < 0) throw new RangeError(`startIndex must be a non-negative integer, got ${start}`)
  const build = BUILDERS[endpoint]
  if (!build) throw new RangeError(`unknown endpoint ${String(endpoint)}`)
  const base = mix(opts.seed ?? 1, ENDPOINT_NAMES.indexOf(endpoint) + 1)
  const r = new Rng()
  const g = new Rng()
  for (let i = start; i < start + count; i++) {
    r.reset(mix(mix(base, i % 4294967296), Math.floor(i / 4294967296)))
    yield build(i, r, g, base)
  }
}

// ---- Randomness --------------------------------------------------------------------------------

/** mulberry32: tiny and fast; plenty for synthetic data. Reseeded per record, so records are independent. */
class Rng {
  private s = 0
  reset(seed: number): this {
    this.s = seed | 0
    return this
  }
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) | 0)
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  int(n: number): number {
    return Math.floor(this.next() * n)
  }
  range(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1))
  }
  chance(p: number): boolean {
    return this.next() < p
  }
  pick<T>(a: readonly T[]): T {
    return a[Math.floor(this.next() * a.length)]
  }
  /** Power-law pick: the first entries come up far more often (big firms, common words). */
  skewed<T>(a: readonly T[], power = 2): T {
    return a[Math.floor(a.length * this.next() ** power)]
  }
  digits(n: number): string {
    let s = ''
    for (; n > 0; n -= 9) {
      const k = Math.min(n, 9)
      s += String(Math.floor(this.next() * 10 ** k)).padStart(k, '0')
    }
    return s
  }
  alnum(n: number): string {
    let s = ''
    for (let k = 0; k < n; k++) s += ALNUM[Math.floor(this.next() * 36)]
    return s
  }
}

/** 32-bit hash of two integers (murmur3 finaliser), to derive independent seeds. */
function mix(a: number, b: number): number {
  let h = (a ^ Math.imul(b | 0, 0x9e3779b1)) | 0
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b)
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35)
  return (h ^ (h >>> 16)) >>> 0
}

/**
 * Shuffles n inside blocks of `mod` with an affine bijection (7654321 is coprime with 2, 5 and 13),
 * so consecutive indexes get unrelated-looking keys that still never collide. mod ≤ 1e8 keeps the
 * product exact in a double.
 */
function scramble(n: number, mod: number): number {
  const block = Math.floor(n / mod)
  return block * mod + (((n - block * mod) * 7_654_321 + 1_234_567) % mod)
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0')
/** 12,345 (toLocaleString goes through Intl and is slow). */
const thousands = (n: number): string => (n < 1000 ? String(n) : `${thousands(Math.floor(n / 1000))},${pad(n % 1000, 3)}`)
const ALNUM = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ'
const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'
const words = (s: string): string[] => s.trim().split(/\s+/)
const lines = (s: string): string[] => s.trim().split(/\s*\|\s*/)
function list(n: number, make: () => string): string[] {
  const out: string[] = [] // a plain loop: Array.from({ length }) is several times slower in V8
  for (let k = 0; k < n; k++) out.push(make())
  return out
}
/** FDA registration / FEI-like number: 7 digits, or 10 digits starting with 30. */
const registration = (r: Rng): string => (r.chance(0.5) ? '30' + r.digits(8) : String(r.range(1_000_000, 9_999_999)))
const kNumberLike = (r: Rng): string => 'K' + r.digits(6)

// ---- Dates (day numbers since 1970-01-01; no Date objects, for speed) --------------------------

function dayNumber(y: number, m: number, d: number): number {
  if (m <= 2) y -= 1
  const era = Math.floor(y / 400)
  const yoe = y - era * 400
  const doy = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1
  return era * 146097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719468
}

/** [year, month, day] of a day number (Hinnant's civil_from_days). */
function civil(day: number): [number, number, number] {
  const z = day + 719468
  const era = Math.floor(z / 146097)
  const doe = z - era * 146097
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365)
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100))
  const mp = Math.floor((5 * doy + 2) / 153)
  const m = mp < 10 ? mp + 3 : mp - 9
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, doy - Math.floor((153 * mp + 2) / 5) + 1]
}

const P2 = Array.from({ length: 100 }, (_, k) => pad(k, 2))
function iso(day: number): string {
  const [y, m, d] = civil(day)
  return `${y}-${P2[m]}-${P2[d]}`
}
function compact(day: number): string {
  const [y, m, d] = civil(day)
  return `${y}${P2[m]}${P2[d]}`
}
/** MM/DD/YYYY, an odd form MAUDE uses in device_date_of_manufacturer. */
function usDate(day: number): string {
  const [y, m, d] = civil(day)
  return `${P2[m]}/${P2[d]}/${y}`
}
const MONTHS = words('January February March April May June July August September October November December')
function longDate(day: number): string {
  const [y, m, d] = civil(day)
  return `${MONTHS[m - 1]} ${d}, ${y}`
}

const END_DAY = dayNumber(2026, 6, 30)
const clampDay = (day: number): number => Math.min(day, END_DAY)

/** A day in [Jan 1 of fromYear, END_DAY], denser towards recent years (density grows linearly). */
function recentDay(r: Rng, fromYear: number): number {
  const lo = dayNumber(fromYear, 1, 1)
  return lo + Math.floor((END_DAY - lo) * Math.sqrt(r.next()))
}

/** A day in the FDA fiscal year `fy` (October of the year before to September). */
function fiscalDay(r: Rng, fy: number): number {
  const lo = dayNumber(fy - 1, 10, 1)
  return lo + r.int(Math.min(dayNumber(fy, 9, 30), END_DAY) - lo + 1)
}

// ---- Vocabulary ----------------------------------------------------------------------------------

interface Specialty {
  code: string
  name: string
  part: number // 21 CFR part of its regulations
}
// Ordered roughly by how many devices each panel has, since picks are skewed to the front.
const SPECIALTIES: Specialty[] = [
  ['CV', 'Cardiovascular', 870], ['OR', 'Orthopedic', 888], ['RA', 'Radiology', 892], ['SU', 'General, Plastic Surgery', 878],
  ['HO', 'General Hospital', 880], ['GU', 'Gastroenterology, Urology', 876], ['CH', 'Clinical Chemistry', 862], ['NE', 'Neurology', 882],
  ['DE', 'Dental', 872], ['AN', 'Anesthesiology', 868], ['OP', 'Ophthalmic', 886], ['EN', 'Ear, Nose, Throat', 874],
  ['IM', 'Immunology', 866], ['MI', 'Microbiology', 866], ['HE', 'Hematology', 864], ['OB', 'Obstetrics/Gynecology', 884],
  ['PM', 'Physical Medicine', 890], ['PA', 'Pathology', 864], ['TX', 'Clinical Toxicology', 862], ['MG', 'Medical Genetics', 866]
].map(([code, name, part]) => ({ code: code as string, name: name as string, part: part as number }))

const NOUNS = lines(`Catheter | Stent | Implant | Pump | Monitor | Sensor | Electrode | Lead | Valve | Graft | Mesh | Screw | Plate | Rod
  | Cage | Prosthesis | Syringe | Needle | Cannula | Tube | Ventilator | Defibrillator | Pacemaker | Laser | Endoscope | Camera
  | Probe | Transducer | Analyzer | Reagent | Assay | Kit | Glove | Gown | Mask | Drape | Dressing | Suture | Stapler | Clip
  | Forceps | Retractor | Scalpel | Drill | Saw | Guidewire | Sheath | Introducer | Balloon | Filter | Oxygenator | Dialyzer
  | Nebulizer | Humidifier | Incubator | Bed | Wheelchair | Brace | Splint | Lens | Microscope | Laparoscope | Shunt | Port
  | Reservoir | Coil | Applicator | Dispenser | Sling | Bandage | Thermometer | Stethoscope | Otoscope | Audiometer | Hearing Aid
  | Generator | Controller | Software | Scanner | Collimator | Electrosurgical Unit | Oximeter | Infusion Set | Connector
  | Adapter | Sponge | Anchor | Nail | Wire | Spacer | Stimulator | Tray | Container | Blood Warmer | Test System`)

const MODIFIERS = lines(`Intravascular | Therapeutic | Diagnostic | Coronary | Cardiac | Percutaneous | Orthopedic | Spinal | Cervical | Lumbar
  | Dental | Surgical | Powered | Manual | Electrical | Disposable | Reusable | Sterile | Implantable | Absorbable
  | Non-Absorbable | Synthetic | Silicone | Titanium | Ceramic | Hydrophilic | Radiofrequency | Ultrasonic | Infrared | Optical
  | Digital | Wireless | Portable | Pediatric | Neonatal | Adult | Arterial | Venous | Urological | Gastrointestinal | Ophthalmic
  | Intraocular | Contact | Cochlear | Nasal | Endotracheal | Tracheostomy | Enteral | Parenteral | Biliary | Renal
  | Hemodialysis | Peritoneal | Neurological | Cranial | Intracranial | Vascular | Peripheral | Carotid | Femoral | Embolic
  | Drug-Eluting | Bare-Metal | Balloon-Expandable | Self-Expanding | Bipolar | Monopolar | Cryosurgical | Thermal | Pneumatic
  | Hydraulic | Magnetic Resonance | X-Ray | Computed Tomography | Nuclear | Fluoroscopic | Mammographic | Laboratory | Clinical
  | Immunological | Microbiological | Hematological | Glucose | Cholesterol | Pregnancy | Infectious | Mononucleosis
  | Streptococcal | Influenza | Hepatitis | Short-Term | Long-Term | Temporary | Permanent | Fixation | Fusion | Replacement
  | Reconstruction | Suction | Irrigation | Insufflation | Aspiration | Biopsy | Compression | Traction | Mobility
  | Rehabilitation | Examination | Patient | Operating | Isolation | Protective | Antimicrobial | Latex | Nitrile | Vinyl
  | Polymer | Metallic | Bone | Tissue | Skin | Wound | Hernia | Breast | Uterine | Fetal | Obstetric | Anesthesia | Oxygen
  | Respiratory | Sleep Apnea | Blood Pressure | Electrocardiograph | Electroencephalograph | Pulse | Apnea | Temperature
  | Infusion | Insulin | Cardiopulmonary | Bypass | Extracorporeal | Mechanical | Semi-Automated | Automated | Over-The-Counter
  | Prescription | Home Use | Single-Use | Less Than 30 Days | With Bone Graft | Mercury And/Or Alloy | Overhead Supported`)

/** ~2,600 invented brand words ("Veraflex", "Lutigard"…): with nouns and modifiers, a few thousand name words. */
const BRAND_WORDS: string[] = (() => {
  const a = words('Ve Lu Co Ar Xi Ne Ma Sy Or Car Neu En Fle Me Vi Ac Bi Du Pro Ul Op Stra No Om He Pu Su Tru Ev Ze Al Qu Ra Te Ka Zo Li Ce Ga Di')
  const b = ['', ...words('ra lo ti xa ne vo ri ma ce ly ge no su')]
  const c = words('flex gard lite core line tech sync vue max fix loc sense wave trak scan port cath stat graft dyne vent med pulse form guide sure clear view tron gen')
  const r = new Rng().reset(20260630)
  const seen = new Set<string>()
  while (seen.size < 2600) seen.add(r.pick(a) + r.pick(b) + r.pick(c))
  return [...seen]
})()

const FIRST_NAMES = words('James Mary John Patricia Robert Jennifer Michael Linda David Susan William Karen Richard Lisa Thomas Nancy Daniel Connie Mark Sandra Paul Donna Steven Carol Kevin Michelle Brian Laura Wei Yuki Anna Hans')
const LAST_NAMES = words('Smith Johnson Williams Brown Jones Miller Davis Garcia Wilson Anderson Taylor Thomas Moore Martin Jackson Lee Harris Clark Lewis Walker Hall Young King Wright Speck Champlin Nguyen Chen Mueller Tanaka Schmidt Kelly')
const STREETS = lines(`Main St | Oak Ave | Industrial Pkwy | Technology Dr | Commerce Blvd | Research Way | Corporate Dr | Medical Center Dr
  | Park Ave | River Rd | Lake Dr | Innovation Way | Bernville Rd | Wolf Lake Dr | Loveton Cir | East Peakview Avenue
  | W. Kiltie Lane | Read St. | Ynez Road | Enterprise Blvd | Science Park Rd | Northland Dr`)
// [city, state, 3-digit zip prefix] for US firms; [city, country, ISO code] for foreign ones.
const US_CITIES = lines(`Minneapolis,MN,554 | Irvine,CA,926 | San Diego,CA,921 | Temecula,CA,925 | Boston,MA,021 | Marlborough,MA,017
  | Warsaw,IN,465 | Kalamazoo,MI,490 | Portland,ME,041 | Reading,PA,196 | Franklin Lakes,NJ,074 | Sparks,MD,211
  | Bartlett,TN,381 | Memphis,TN,381 | Santa Clara,CA,950 | Sunnyvale,CA,940 | Salt Lake City,UT,841 | Deerfield,IL,600
  | Chicago,IL,606 | Houston,TX,770 | Austin,TX,787 | Atlanta,GA,303 | Miami,FL,331 | Jacksonville,FL,322 | Cleveland,OH,441
  | Mansfield,MA,020 | Raynham,MA,027 | Mahwah,NJ,074 | Flagstaff,AZ,860 | Centennial,CO,801 | Boulder,CO,803
  | Plymouth,MN,554 | Maple Grove,MN,553 | Pittsburgh,PA,152 | Rochester,NY,146 | Indianapolis,IN,462 | Redmond,WA,980
  | Waukesha,WI,531 | Bothell,WA,980 | Lake Forest,IL,600`).map((s) => s.split(','))
const FOREIGN_CITIES = lines(`Tuttlingen,Germany,DE | Erlangen,Germany,DE | Galway,Ireland,IE | Clonmel,Ireland,IE | Tokyo,Japan,JP
  | Shenzhen,China,CN | Suzhou,China,CN | Seoul,Korea (the Republic of),KR | Tel Aviv,Israel,IL | Mirandola,Italy,IT
  | Best,Netherlands,NL | Lund,Sweden,SE | Le Locle,Switzerland,CH | Kolding,Denmark,DK`).map((s) => s.split(','))

interface Firm {
  name: string
  upper: string
  short: string
  address1: string
  address2: string
  city: string
  state: string
  zip: string
  zipExt: string
  country: string
  countryCode: string
  fei: string
  reg: string
  duns: string
  contactFirst: string
  contactLast: string
  area: string
  phone: string
  // Upper-case and joined forms, computed once: MAUDE and 510k records repeat them many times.
  U: { address1: string; address2: string; city: string; postal: string }
  email: string
}

// Real firms from the samples and the biggest device makers head the list, so they dominate like in real data.
const REAL_FIRMS = lines(`Medtronic, Inc. | Abbott Vascular | Becton Dickinson & Co. | Boston Scientific Corporation | Stryker Corporation
  | Zimmer Biomet, Inc. | DePuy Synthes | Siemens Healthineers | GE Healthcare | Philips Medical Systems
  | Baxter Healthcare Corporation | Arrow International Inc | Cochlear Americas | W.L. Gore & Associates, Inc. | Nuvasive, Inc.
  | Olympus Medical Systems Corp. | Cardinal Health | Smith & Nephew, Inc. | Edwards Lifesciences, LLC | Hologic, Inc.
  | Roche Diagnostics | Beckman Coulter, Inc. | Intuitive Surgical, Inc. | Teleflex Medical | Cook Incorporated
  | B. Braun Medical Inc. | Ethicon, Inc. | Covidien LP | Grace Medical, Inc. | Ventrex Laboratories, Inc.`)

/** 400 firms, each with one fixed address, FEI and registration number. */
const FIRMS: Firm[] = (() => {
  const r = new Rng().reset(4000)
  const names = new Set(REAL_FIRMS)
  const kinds = ['', '', ' Medical', ' Surgical', ' Health', ' Bio', ' Ortho', ' Vascular', ' Dental', ' Diagnostics', ' Scientific', ' Life Sciences']
  const suffixes = [', Inc.', ' Inc', ' Corporation', ' LLC', ' Ltd.', ' GmbH', ' Co., Ltd.', ' Corp.', ' AG', ', Inc.']
  while (names.size < 400) names.add(r.pick(BRAND_WORDS) + r.pick(kinds) + r.pick(suffixes))
  return [...names].map((name) => {
    const foreign = /GmbH| AG|Co\., Ltd|Ltd\./.test(name) ? r.chance(0.8) : r.chance(0.08)
    const [city, stateOrCountry, code] = foreign ? r.pick(FOREIGN_CITIES) : r.pick(US_CITIES)
    const reg = registration(r)
    const address1 = `${r.range(1, 29999)} ${r.pick(STREETS)}`
    const address2 = r.chance(0.25) ? `Suite ${r.range(1, 9) * 100 + r.int(20)}` : ''
    const zip = foreign ? r.digits(5) : code + r.digits(2)
    const zipExt = foreign ? '' : r.digits(4)
    const contactFirst = r.pick(FIRST_NAMES)
    const contactLast = r.pick(LAST_NAMES)
    const short = name.split(/[ ,]/)[0].toUpperCase()
    return {
      name,
      upper: name.toUpperCase(),
      short,
      address1,
      address2,
      city,
      state: foreign ? '' : stateOrCountry,
      zip,
      zipExt,
      country: foreign ? stateOrCountry : 'United States',
      countryCode: foreign ? code : 'US',
      fei: r.chance(0.6) ? reg : '300' + r.digits(7),
      reg,
      duns: r.digits(9),
      contactFirst,
      contactLast,
      area: String(r.range(201, 989)),
      phone: r.digits(7),
      U: { address1: address1.toUpperCase(), address2: address2.toUpperCase(), city: city.toUpperCase(), postal: zipExt ? `${zip} ${zipExt}` : zip },
      email: `${contactFirst}.${contactLast}@${short.replace(/[^A-Z]/g, '')}.com`.toLowerCase()
    }
  })
})()

// ---- Product codes and their openfda blocks -----------------------------------------------------

/** Other endpoints draw product codes from classification indexes below this (about the real count). */
const PRODUCT_POOL = 6000

/**
 * Product code of classification index j: 3 letters for the first 17,576 indexes (scrambled so
 * neighbours differ); past that space, 4 letters, then 5… (each width a fresh base-26 range), so
 * codes stay unique for any count. Real product codes are all 3 letters.
 */
function productCode(j: number): string {
  let width = 3
  let span = 17_576
  while (j >= span) {
    j -= span
    width++
    span *= 26
  }
  let n = span <= 1e8 ? scramble(j, span) : j
  let s = ''
  for (let k = 0; k < width; k++) {
    s = LETTERS[n % 26] + s
    n = Math.floor(n / 26)
  }
  return s
}

interface Product {
  code: string
  noun: string
  modifier: string
  deviceName: string
  deviceClass: string
  specialty: Specialty
  regulation: string
  openfdaShort: Rec // event device[] and UDI product_codes[]
  openfdaLong: Rec // 510k and PMA
  openfdaRecall: Rec // recall: also k_number[]
  openfdaClass: Rec // classification
}

// Roughly the real mix. 'f' (HDE) is lower-case as the brief asks; deviceclass.yaml spells it 'F'.
const DEVICE_CLASSES = [...'22222222221111111333', 'U', 'N', 'f']

/** Everything fixed about product code j; a pure function of j (independent of the seed). */
function makeProduct(j: number): Product {
  const r = new Rng().reset(mix(0x70d0c7, j))
  const noun = r.skewed(NOUNS, 1.5)
  const mods = list(r.range(1, 3), () => r.skewed(MODIFIERS, 1.5))
  const deviceClass = r.pick(DEVICE_CLASSES)
  const specialty = r.skewed(SPECIALTIES, 1.5)
  const regulated = deviceClass === '1' || deviceClass === '2' || r.chance(0.3)
  const regulation = regulated ? `${specialty.part}.${r.range(1000, 6999)}` : ''
  const deviceName = [noun, ...mods].join(', ')
  // Shared by every record with this code, hence frozen.
  const regs = Object.freeze(list(Math.floor(1 + 50 * r.next() ** 2), () => registration(r)))
  const feis = Object.freeze(regs.map((x) => (r.chance(0.7) ? x : r.chance(0.1) ? '' : '100' + r.digits(7))))
  const ks = Object.freeze(list(Math.floor(1 + 60 * r.next() ** 2), () => kNumberLike(r)))
  const openfdaShort = Object.freeze({
    device_class: deviceClass,
    device_name: deviceName,
    medical_specialty_description: regulated ? specialty.name : 'Unknown',
    regulation_number: regulation
  })
  const openfdaLong = Object.freeze({ ...openfdaShort, registration_number: regs, fei_number: feis })
  const pma = deviceClass === '3' && r.chance(0.7) ? { pma_number: 'P' + r.digits(6) } : {}
  return {
    code: productCode(j),
    noun,
    modifier: mods[0],
    deviceName,
    deviceClass,
    specialty,
    regulation,
    openfdaShort,
    openfdaLong,
    openfdaRecall: Object.freeze({ ...openfdaLong, k_number: ks }),
    openfdaClass: Object.freeze({ fei_number: feis, k_number: ks, registration_number: regs, ...pma })
  }
}

const productCache: Product[] = []
function product(j: number): Product {
  if (j >= PRODUCT_POOL) return makeProduct(j)
  return (productCache[j] ??= makeProduct(j))
}
const pickProduct = (r: Rng): Product => product(Math.floor(PRODUCT_POOL * r.next() ** 2))
const pickFirm = (r: Rng): Firm => r.skewed(FIRMS, 2)

const SERIES = ['', '', '', ' II', ' XT', ' 24', ' PRO', ' 3000', ' PLUS', ' MINI', ' HD', ' 2.0', ' (TM)']

/** Trade / brand name: skewed brand word, optional series, then the product's own words. */
function tradeName(r: Rng, p: Product): string {
  const brand = r.skewed(BRAND_WORDS, 2) + r.pick(SERIES)
  const tail = r.chance(0.5) ? ` ${p.modifier} ${p.noun}` : ` ${p.noun}`
  return (brand + tail + (r.chance(0.3) ? ' System' : '')).toUpperCase()
}

// ---- Narrative text ------------------------------------------------------------------------------

interface TextCtx {
  dev: string
  firm: string
  problem: string
  problemTerm: string
  part: string
  defect: string
  proc: string
  symptom: string
  days: number
}

// [what the narrative says, the MAUDE product_problems term]
const PROBLEMS = lines(`COULD NOT CROSS THE LESION;Difficult to Advance | FAILED TO DEPLOY;Failure to Deploy
  | FRACTURED DURING INSERTION;Fracture | STOPPED WORKING;Device Stops Intermittently
  | DISPLAYED AN ERROR MESSAGE;Device Displays Incorrect Message | LEAKED;Leak/Splash | DID NOT INFLATE;Inflation Problem
  | DETACHED FROM THE DELIVERY SYSTEM;Detachment of Device or Device Component | OVERHEATED;Overheating of Device
  | MIGRATED;Migration | OCCLUDED;Occlusion Within Device | KINKED;Kinked | WAS DIFFICULT TO REMOVE;Difficult to Remove
  | GAVE INACCURATE READINGS;Incorrect Measurement | LOST POWER;Loss of Power | BROKE;Break
  | WAS DEFORMED;Material Deformation | HAD A DEPLETED BATTERY;Battery Problem`).map((s) => s.split(';'))
const PARTS = words('TIP SHAFT BALLOON HOUSING BATTERY CONNECTOR HANDLE DISPLAY TUBING LEAD SEAL HUB STRUT')
const DEFECTS = words('FLARED CRACKED KINKED DISCOLORED SEPARATED BENT DAMAGED DEFORMED MISSING DETACHED')
const PROCEDURES = lines('CORONARY | ENDOSCOPIC | LAPAROSCOPIC | ORTHOPEDIC | SPINAL FUSION | DIALYSIS | INFUSION | CATHETERIZATION | SURGICAL | DIAGNOSTIC | ARTHROSCOPIC | CATARACT')
const SYMPTOMS = lines('PAIN | SWELLING | BLEEDING | INFECTION | FEVER | SHORTNESS OF BREATH | NUMBNESS | HYPOGLYCEMIA | DIZZINESS | SKIN IRRITATION')
const PATIENT_PROBLEMS = lines(`No Clinical Signs, Symptoms or Conditions | Pain | Swelling/ Edema | Hemorrhage/Bleeding | Infection | Fever
  | Dyspnea | Numbness | Hypoglycemia | Dizziness | Skin Irritation | No Known Impact Or Consequence To Patient
  | Insufficient Information | No Patient Involvement`)
const OUTCOMES = lines('Hospitalization | Required Intervention | Other | Life Threatening | Disability | Death')

// Both sentence lists have a prime length (13, 11): see paragraph().
const EVENT_SENTENCES: Array<(c: TextCtx) => string> = [
  (c) => `IT WAS REPORTED THAT DURING ${/^[AEIOU]/.test(c.proc) ? 'AN' : 'A'} ${c.proc} PROCEDURE, THE ${c.dev} ${c.problem}.`,
  (c) => `THE ${c.dev} WAS REMOVED AND A NEW ${c.dev} WAS USED TO COMPLETE THE PROCEDURE.`,
  () => 'THERE WERE NO PATIENT EFFECTS REPORTED.',
  () => 'THERE WAS NO REPORTED CLINICALLY SIGNIFICANT DELAY IN THE PROCEDURE.',
  (c) => `THE ${c.part} OF THE ${c.dev} WAS NOTED TO BE ${c.defect}.`,
  (c) => `THE PATIENT REPORTED ${c.symptom} APPROXIMATELY ${c.days} DAYS AFTER THE ${c.proc} PROCEDURE.`,
  () => 'THE PATIENT WAS TREATED WITH MEDICATION AND DISCHARGED IN STABLE CONDITION.',
  (c) => `ADDITIONAL INTERVENTION WAS REQUIRED TO RETRIEVE THE ${c.part}.`,
  () => 'NO ADDITIONAL INFORMATION WAS PROVIDED.',
  (c) => `THE ${c.dev} HAD BEEN IN USE FOR ${c.days} DAYS PRIOR TO THE EVENT.`,
  (c) => `A NON-${c.firm} DEVICE WAS ADVANCED AND THE PROCEDURE WAS COMPLETED.`,
  () => 'THE PATIENT IS REPORTED TO BE DOING WELL.',
  (c) => `THE USER FACILITY REPORTED THAT THE ${c.dev} ALARMED AND ${c.problem}.`
]
const NARRATIVE_SENTENCES: Array<(c: TextCtx) => string> = [
  () => 'THE DEVICE IS EXPECTED TO BE RETURNED FOR EVALUATION. IT HAS NOT YET BEEN RECEIVED.',
  () => 'A FOLLOW UP REPORT WILL BE SUBMITTED WITH ALL ADDITIONAL RELEVANT INFORMATION.',
  (c) => `EVALUATION SUMMARY: THE DEVICE WAS RETURNED FOR EVALUATION AND THE ${c.part} WAS FOUND TO BE ${c.defect}.`,
  () => 'A REVIEW OF THE LOT HISTORY RECORD REVEALED NO NON-CONFORMANCES THAT WOULD HAVE CONTRIBUTED TO THE REPORTED EVENT.',
  () => 'THE RESULTS OF THE QUERY OF SIMILAR INCIDENTS IN THE COMPLAINT HANDLING DATABASE FOR THIS LOT DID NOT INDICATE A MANUFACTURING ISSUE.',
  () => 'BASED ON THE INFORMATION REVIEWED, THERE IS NO INDICATION OF A PRODUCT DEFICIENCY.',
  (c) => `THE REPORTED ${c.problemTerm.toUpperCase()} COULD NOT BE REPLICATED IN A TESTING ENVIRONMENT.`,
  () => 'THE DEVICE HISTORY RECORD WAS REVIEWED AND THE DEVICE MET ALL SPECIFICATIONS PRIOR TO RELEASE.',
  () => 'THE INSTRUCTIONS FOR USE IDENTIFY THIS AS A KNOWN POTENTIAL COMPLICATION.',
  () => 'THE INVESTIGATION IS ONGOING.',
  () => 'THE CAUSE OF THE REPORTED EVENT COULD NOT BE CONCLUSIVELY DETERMINED.'
]

/** n distinct sentences: stepping by 5 through a list of prime length never repeats one. */
function paragraph(r: Rng, sentences: Array<(c: TextCtx) => string>, c: TextCtx, n: number, lead = ''): string {
  let s = lead
  for (let k = 0, at = r.int(sentences.length); k < n; k++, at = (at + 5) % sentences.length) s += (s ? ' ' : '') + sentences[at](c)
  return s
}

const RECALL_REASONS: Array<(n: string) => string> = [
  (n) => `The ${n} may fail to function as intended due to a manufacturing defect.`,
  (n) => `Labeling error: the ${n} carton lists an incorrect expiration date.`,
  (n) => `Potential for the ${n} to crack during use, which may lead to leakage.`,
  (n) => `Software anomaly may cause the ${n} to display inaccurate results.`,
  (n) => `The sterile barrier of the ${n} packaging may be compromised.`,
  (n) => `Due to incorrect functional length on ${n} labeling.`,
  (n) => `Complaints of the ${n} separating during the procedure.`,
  () => 'Potential unexpected movement of robot arm.',
  (n) => `The ${n} was distributed without 510(k) clearance for the modified design.`,
  (n) => `Battery of the ${n} may deplete earlier than specified.`
]
const ROOT_CAUSES = lines(`Device Design | Nonconforming Material/Component | Employee error | Process control | Software design
  | Labeling design | Component design/selection | Packaging | Under Investigation by firm | Labeling mix-ups
  | Process design | Equipment maintenance | Storage | Use error | Vendor change control | Other`)
const NOTIFICATIONS = lines(`Letter | Letter | Letter | E-Mail | Telephone | Visit | FAX | Press Release
  | Two or more of the following: Email, Fax, Letter, Press Release, Telephone, Visit`)
const STATES = words('AL AZ CA CO CT FL GA IL IN KY MA MD MI MN MO NC NJ NY OH OR PA TN TX VA WA WI')
const COUNTRIES = lines('Canada | Mexico | Germany | France | Japan | Australia | Brazil | China | Italy | Spain | United Kingdom | Netherlands | Korea')

function distribution(r: Rng): string {
  switch (r.int(4)) {
    case 0:
      return 'US Nationwide Distribution'
    case 1:
      return `US Distribution to the states of: ${list(r.range(1, 6), () => r.pick(STATES)).join(', ')}`
    case 2:
      return `Worldwide Distribution - US Nationwide and the countries of ${list(r.range(1, 5), () => r.pick(COUNTRIES)).join(', ')}.`
    default:
      return `Nationwide  Foreign: ${list(r.range(1, 3), () => r.pick(COUNTRIES)).join(', ')}`
  }
}

function codeInfo(r: Rng): string {
  switch (r.int(3)) {
    case 0:
      return `Lot/Batch Numbers: ${list(r.range(1, 10), () => r.alnum(10)).join(', ')}`
    case 1:
      return `Serial Numbers: ${list(r.range(1, 8), () => 'SN' + r.digits(6)).join(', ')}`
    default: {
      const lot = r.digits(6)
      return `Model/Catalog Number: ${r.range(100, 999)}-${r.digits(3)} UDI code: (01)00${r.digits(12)}(10)${lot}(17)${r.range(22, 30)}0301 Lot Number: ${lot}`
    }
  }
}

function productDescription(r: Rng, p: Product): string {
  const name = tradeName(r, p)
  const usage = r.chance(0.6)
    ? `  Product Usage: The ${p.noun.toLowerCase()} is intended for ${p.modifier.toLowerCase()} use in ${p.specialty.name.toLowerCase()} procedures by trained health care professionals.`
    : ''
  return `${name}, Model/Catalog Number: ${r.range(100, 9999)}-${r.digits(3)}${r.chance(0.5) ? `, REF ${r.alnum(2)}-${r.digits(5)}` : ''}${usage}`
}

function recallAction(r: Rng, firm: Firm, day: number): string {
  const parts = [
    `On ${longDate(day)}, ${firm.name} issued an Urgent Medical Device Recall notice to customers via ${r.pick(['letter', 'courier service', 'e-mail', 'FedEx'])}.`,
    'Customers were instructed to:\r\n1. Immediately stop using and quarantine any affected product in inventory.\r\n2. Complete and return the enclosed Acknowledgement Form.'
  ]
  if (r.chance(0.6)) parts.push('Distributors should forward the notification to any of their customers who have received the affected product and return a completed acknowledgement form.')
  if (r.chance(0.5)) parts.push('Affected product will be replaced at no charge; a representative will contact you to arrange the return.')
  parts.push(`For questions, contact Customer Service at 1-${r.range(800, 888)}-${r.digits(3)}-${r.digits(4)}.`)
  return parts.join('\r\n\r\n')
}

// ---- GMDN terms (UDI) ----------------------------------------------------------------------------

const GMDN_TERMS: Rec[] = (() => {
  const r = new Rng().reset(6600)
  return Array.from({ length: 600 }, () => {
    const noun = r.pick(NOUNS).toLowerCase()
    const mod = r.pick(MODIFIERS).toLowerCase()
    const sterile = r.chance(0.5)
    return Object.freeze({
      code: String(r.range(10000, 65000)),
      name: `${mod[0].toUpperCase()}${mod.slice(1)} ${noun}, ${sterile ? 'sterile' : 'non-sterile'}`,
      definition:
        `A ${sterile ? 'sterile' : 'non-sterile'} device intended to be used as a ${mod} ${noun} during ${r.pick(PROCEDURES).toLowerCase()} procedures. ` +
        `The device is typically made of ${r.pick(['metal [usually titanium (Ti)]', 'synthetic polymer', 'silicone', 'stainless steel', 'ceramic materials'])} and may include ${r.pick(['a handle', 'connectors', 'an introducer', 'a delivery system', 'accessories'])}. ` +
        `Disposable devices associated with its use may be included. ${sterile ? 'This is a single-use device.' : 'This device must be sterilized prior to use.'}`,
      implantable: r.chance(0.2) ? 'true' : 'false',
      code_status: r.chance(0.85) ? 'Active' : 'Obsolete'
    })
  })
})()

// ---- Record builders -----------------------------------------------------------------------------

type Builder = (i: number, r: Rng, g: Rng, base: number) => Rec

const yn = (r: Rng, pYes: number): string => (r.chance(pYes) ? 'Y' : 'N')
const tf = (r: Rng, pTrue: number): string => (r.chance(pTrue) ? 'true' : 'false')

const DECISIONS_510K = lines(`SESD;Substantially Equivalent with Drug | SESK;Substantially Equivalent - Kit
  | SESP;Substantially Equivalent - Postmarket Surveillance Required | SESU;Substantially Equivalent - With Limitations
  | SEKD;Substantially Equivalent - Kit with Drugs`).map((s) => s.split(';'))
const CLEARANCE_TYPES = words('Special Abbreviated Direct Post Dual Track NSE')

const clearance: Builder = (i, r) => {
  const p = pickProduct(r)
  const f = pickFirm(r)
  const received = recentDay(r, 1976)
  const [code, description] = r.chance(0.93) ? ['SESE', 'Substantially Equivalent'] : r.pick(DECISIONS_510K)
  const panel = r.chance(0.9) ? p.specialty : r.pick(SPECIALTIES)
  return {
    k_number: 'K' + pad(scramble(i, 1e6), 6), // K + 6 digits; 7+ digits from index 1,000,000 on
    applicant: f.upper,
    contact: `${f.contactFirst} ${LETTERS[r.int(26)]} ${f.contactLast}`.toUpperCase(),
    address_1: f.U.address1,
    address_2: f.U.address2,
    city: f.U.city,
    state: f.state,
    zip_code: f.zip,
    postal_code: f.zip,
    country_code: f.countryCode,
    date_received: iso(received),
    decision_date: iso(clampDay(received + r.range(14, r.chance(0.8) ? 180 : 700))),
    decision_code: code,
    decision_description: description,
    device_name: tradeName(r, p),
    product_code: p.code,
    advisory_committee: p.specialty.code,
    advisory_committee_description: p.specialty.name,
    review_advisory_committee: panel.code,
    clearance_type: r.chance(0.85) ? 'Traditional' : r.pick(CLEARANCE_TYPES),
    expedited_review_flag: r.chance(0.02) ? 'Y' : '',
    third_party_flag: yn(r, 0.06),
    statement_or_summary: received < dayNumber(1996, 1, 1) ? '' : r.chance(0.85) ? 'Summary' : 'Statement',
    openfda: p.openfdaLong
  }
}

const classification: Builder = (i, r) => {
  const p = product(i)
  const unclassified = p.deviceClass === 'U'
  return {
    product_code: p.code,
    device_name: p.deviceName,
    device_class: p.deviceClass,
    regulation_number: p.regulation,
    medical_specialty: p.regulation ? p.specialty.code : '',
    medical_specialty_description: p.regulation ? p.specialty.name : 'Unknown',
    review_panel: p.specialty.code,
    submission_type_id: p.deviceClass === '1' ? '4' : p.deviceClass === '3' ? '2' : p.deviceClass === '2' ? '1' : r.pick(['3', '4']),
    definition: r.chance(0.15) ? `A ${p.deviceName.toLowerCase()} is a device intended for ${p.modifier.toLowerCase()} use in ${p.specialty.name.toLowerCase()}.` : '',
    gmp_exempt_flag: yn(r, p.deviceClass === '1' ? 0.6 : 0.05),
    implant_flag: yn(r, 0.12),
    life_sustain_support_flag: yn(r, p.deviceClass === '3' ? 0.3 : 0.03),
    third_party_flag: yn(r, 0.3),
    review_code: '',
    unclassified_reason: unclassified ? String(r.range(1, 7)) : '',
    summary_malfunction_reporting: r.chance(0.7) ? 'Eligible' : 'Ineligible',
    openfda: p.openfdaClass
  }
}

const EVENT_TYPES = ['Malfunction', 'Malfunction', 'Malfunction', 'Malfunction', 'Malfunction', 'Malfunction', 'Injury', 'Injury', 'Death', 'Other', 'No answer provided']
const REPORT_SOURCES = ['Manufacturer report', 'Manufacturer report', 'Manufacturer report', 'Manufacturer report', 'Voluntary report', 'User facility report', 'Distributor report']
const OPERATORS = lines('HEALTH PROFESSIONAL | HEALTH PROFESSIONAL | LAY USER/PATIENT | PHYSICIAN | NURSE | OTHER | NO ANSWER PROVIDED')
const LOCATIONS = lines(' | | Hospital | Home | Outpatient treatment facility | Ambulatory surgical facility | Catheterization suite | Other')
const REMEDIAL = lines('Other | Recall | Repair | Replace | Relabeling | Notification | Inspection | Modification/Adjustment')
const SOURCE_TYPES = lines('Health Professional | Company representation | Foreign | User facility | Consumer | Literature | Distributor | Other')
const LATE_FIELDS_DAY = dayNumber(2023, 1, 1) // patient age/sex/weight/ethnicity/race exist from 2023 on

const event: Builder = (i, r) => {
  const p = pickProduct(r)
  const f = pickFirm(r)
  const received = recentDay(r, 1991)
  const occurred = received - r.range(1, 120)
  const mfrReceived = occurred + r.int(received - occurred + 1)
  const made = occurred - r.range(30, 2000)
  const [problem, problemTerm] = r.pick(PROBLEMS)
  const eventType = r.pick(EVENT_TYPES)
  const source = r.pick(REPORT_SOURCES)
  const fromMaker = source === 'Manufacturer report'
  const year = civil(received)[0]
  const brand = tradeName(r, p)
  const c: TextCtx = {
    dev: p.noun.toUpperCase(),
    firm: f.short,
    problem,
    problemTerm,
    part: r.pick(PARTS),
    defect: r.pick(DEFECTS),
    proc: r.pick(PROCEDURES),
    symptom: r.pick(SYMPTOMS),
    days: r.range(1, 400)
  }
  const made1 = r.next()
  const madeText = made1 < 0.01 ? usDate(made) : made1 < 0.86 ? compact(made) : '' // ~1% in the odd MM/DD/YYYY form
  const textKey = () => String(r.range(1_000_000, 29_999_999))

  const mdrText: Rec[] = [
    { mdr_text_key: textKey(), patient_sequence_number: '1', text: paragraph(r, EVENT_SENTENCES, c, r.range(3, 6)), text_type_code: 'Description of Event or Problem' }
  ]
  for (let k = r.range(1, 2); k > 0; k--) {
    mdrText.push({ mdr_text_key: textKey(), patient_sequence_number: '1', text: paragraph(r, NARRATIVE_SENTENCES, c, r.range(2, 5), '(B)(4).'), text_type_code: 'Additional Manufacturer Narrative' })
  }
  if (fromMaker && r.chance(0.3)) {
    mdrText.push({ mdr_text_key: textKey(), patient_sequence_number: '1', text: paragraph(r, NARRATIVE_SENTENCES, c, r.range(2, 4)), text_type_code: 'Manufacturer Evaluation Summary' })
  }

  const devices: Rec[] = []
  for (let k = 1, n = r.chance(0.95) ? 1 : 2; k <= n; k++) {
    devices.push({
      device_sequence_number: String(k),
      brand_name: brand,
      generic_name: `${p.modifier} ${p.noun}`.toUpperCase(),
      device_report_product_code: p.code,
      manufacturer_d_name: f.upper,
      manufacturer_d_address_1: f.U.address1,
      manufacturer_d_address_2: f.U.address2,
      manufacturer_d_city: f.U.city,
      manufacturer_d_state: f.state,
      manufacturer_d_zip_code: f.zip,
      manufacturer_d_zip_code_ext: f.zipExt,
      manufacturer_d_postal_code: f.U.postal,
      manufacturer_d_country: f.countryCode,
      model_number: r.chance(0.6) ? `${r.alnum(2)}${r.digits(4)}` : '',
      catalog_number: r.chance(0.7) ? `${r.digits(7)}-${r.range(10, 99)}` : '',
      lot_number: r.chance(0.7) ? r.digits(7) : '',
      other_id_number: '',
      expiration_date_of_device: r.chance(0.6) ? compact(made + r.range(365, 1100)) : '',
      date_received: compact(received),
      date_returned_to_manufacturer: fromMaker && r.chance(0.4) ? compact(clampDay(received + r.range(2, 30))) : '',
      date_removed_flag: '',
      device_age_text: r.chance(0.3) ? `${r.range(1, 60)} MO` : 'DA',
      device_availability: r.pick(['Yes', 'No', 'Device was returned to manufacturer', 'No answer provided']),
      device_evaluated_by_manufacturer: r.pick(['Yes', 'No', 'Device not returned to manufacturer', 'R']),
      device_event_key: '',
      device_operator: r.pick(OPERATORS),
      implant_flag: r.chance(0.2) ? 'Y' : '',
      openfda: p.openfdaShort
    })
  }

  const patients: Rec[] = []
  for (let k = 1, n = r.chance(0.9) ? 1 : r.range(2, 3); k <= n; k++) {
    const patient: Rec = {
      date_received: compact(received),
      patient_sequence_number: String(k),
      sequence_number_outcome: eventType === 'Death' ? ['Death'] : eventType === 'Injury' ? [r.pick(OUTCOMES)] : [],
      sequence_number_treatment: r.chance(0.2) ? [`${r.pick(NOUNS).toUpperCase()}: ${r.skewed(BRAND_WORDS).toUpperCase()}`] : [],
      patient_problems: [eventType === 'Malfunction' ? 'No Clinical Signs, Symptoms or Conditions' : r.pick(PATIENT_PROBLEMS)]
    }
    if (received >= LATE_FIELDS_DAY) {
      patient.patient_age = `${r.range(1, 95)} YR`
      patient.patient_sex = r.pick(['Female', 'Male', 'Unknown'])
      patient.patient_weight = r.chance(0.6) ? `${r.range(40, 140)} KG` : ''
      patient.patient_ethnicity = r.pick(['Not Hispanic or Latino', 'Hispanic or Latino', 'Unknown'])
      patient.patient_race = r.pick(['White', 'Black or African American', 'Asian', 'Unknown'])
    }
    patients.push(patient)
  }

  return {
    mdr_report_key: String(scramble(i, 1e7) + 1), // unique numeric string
    report_number: `${f.reg}-${year}-${pad(r.int(100000), 5)}`,
    event_key: '',
    event_type: eventType,
    event_location: r.pick(LOCATIONS),
    adverse_event_flag: eventType === 'Malfunction' ? 'N' : 'Y',
    product_problem_flag: yn(r, 0.8),
    product_problems: [problemTerm],
    date_received: compact(received),
    date_of_event: r.chance(0.9) ? compact(occurred) : '',
    date_report: compact(mfrReceived),
    date_manufacturer_received: fromMaker ? compact(mfrReceived) : '',
    date_facility_aware: source === 'User facility report' ? compact(occurred) : '',
    report_date: '',
    date_report_to_fda: '',
    date_report_to_manufacturer: '',
    device_date_of_manufacturer: madeText,
    health_professional: yn(r, 0.7),
    initial_report_to_fda: r.pick(['No answer provided', 'Yes', 'No', 'Unknown']),
    previous_use_code: r.pick(['I', 'I', 'R', 'U']),
    single_use_flag: r.chance(0.6) ? 'Y' : 'N',
    reprocessed_and_reused_flag: r.pick(['N', 'N', 'Y', 'UNK']),
    remedial_action: r.chance(0.4) ? [r.pick(REMEDIAL)] : [],
    removal_correction_number: '',
    report_source_code: source,
    report_to_fda: '',
    report_to_manufacturer: '',
    reporter_occupation_code: r.pick(OPERATORS),
    source_type: list(r.range(1, 3), () => r.pick(SOURCE_TYPES)),
    type_of_report: r.chance(0.6) ? ['Initial submission'] : ['Initial submission', 'Followup'],
    number_devices_in_event: '',
    number_patients_in_event: '',
    manufacturer_name: fromMaker ? f.upper : '',
    manufacturer_address_1: fromMaker ? f.U.address1 : '',
    manufacturer_address_2: fromMaker ? f.U.address2 : '',
    manufacturer_city: fromMaker ? f.U.city : '',
    manufacturer_state: fromMaker ? f.state : '',
    manufacturer_zip_code: fromMaker ? f.zip : '',
    manufacturer_zip_code_ext: fromMaker ? f.zipExt : '',
    manufacturer_postal_code: fromMaker ? f.U.postal : '',
    manufacturer_country: fromMaker ? f.countryCode : '',
    manufacturer_link_flag: fromMaker ? 'Y' : 'N',
    manufacturer_contact_f_name: f.contactFirst.toUpperCase(),
    manufacturer_contact_l_name: f.contactLast.toUpperCase(),
    manufacturer_contact_t_name: '',
    manufacturer_contact_address_1: f.U.address1,
    manufacturer_contact_address_2: f.U.address2,
    manufacturer_contact_city: f.U.city,
    manufacturer_contact_state: f.state,
    manufacturer_contact_zip_code: f.zip,
    manufacturer_contact_zip_ext: f.zipExt,
    manufacturer_contact_postal_code: f.zip + f.zipExt,
    manufacturer_contact_country: f.countryCode,
    manufacturer_contact_pcountry: '',
    manufacturer_contact_area_code: f.area,
    manufacturer_contact_exchange: f.phone.slice(0, 3),
    manufacturer_contact_phone_number: f.phone,
    manufacturer_contact_extension: '',
    manufacturer_contact_pcity: f.area + f.phone.slice(0, 5),
    manufacturer_contact_plocal: f.area + f.phone,
    manufacturer_g1_name: fromMaker ? f.upper : '',
    manufacturer_g1_address_1: fromMaker ? f.U.address1 : '',
    manufacturer_g1_address_2: fromMaker ? f.U.address2 : '',
    manufacturer_g1_city: fromMaker ? f.U.city : '',
    manufacturer_g1_state: fromMaker ? f.state : '',
    manufacturer_g1_zip_code: fromMaker ? f.zip : '',
    manufacturer_g1_zip_code_ext: fromMaker ? f.zipExt : '',
    manufacturer_g1_postal_code: fromMaker ? f.U.postal : '',
    manufacturer_g1_country: fromMaker ? f.countryCode : '',
    distributor_name: '',
    distributor_address_1: '',
    distributor_address_2: '',
    distributor_city: '',
    distributor_state: '',
    distributor_zip_code: '',
    distributor_zip_code_ext: '',
    device: devices,
    patient: patients,
    mdr_text: mdrText
  }
}

/**
 * Z-numbers (recall and enforcement keys): indexes go in blocks of 8 that share a fiscal year and
 * get consecutive numbers, like the products of one recall event; years cycle block by block.
 * Numbers pass 9999 (5 digits) only beyond 10,000 per year. Each block is cut into recall events
 * at seeded points; an event's ordinal (first index of its run) is unique.
 */
function zKey(i: number, years: readonly [number, number], base: number, g: Rng): { number: string; year: number; event: number } {
  const n = years[1] - years[0] + 1
  const block = Math.floor(i / 8)
  const offset = i % 8
  const year = years[0] + (block % n)
  const seq = Math.floor(block / n) * 8 + offset + 1
  g.reset(mix(base ^ 0x2e7e47, block))
  let start = 0
  for (let k = 1; k <= offset; k++) if (g.chance(0.4)) start = k
  return { number: `Z-${pad(seq, 4)}-${year}`, year, event: block * 8 + start }
}

const recall: Builder = (i, r, g, base) => {
  const z = zKey(i, DATE_SPANS.recall, base, g)
  // Everything about the recall event is shared by its products.
  g.reset(mix(base ^ 0xe7e47, z.event))
  const f = pickFirm(g)
  const p = pickProduct(g)
  const posted = fiscalDay(g, z.year)
  const initiated = posted - g.range(10, 300)
  const created = initiated + g.int(posted - initiated + 1)
  const terminated = posted + g.range(90, 1500)
  const status = terminated <= END_DAY && g.chance(0.8) ? 'Terminated' : g.chance(0.8) ? 'Open, Classified' : 'Completed'
  const rec: Rec = {
    cfres_id: String(100000 + i),
    product_res_number: z.number,
    res_event_number: String(20000 + z.event),
    event_date_initiated: iso(initiated),
    event_date_created: iso(created),
    event_date_posted: iso(posted),
    recall_status: status,
    recalling_firm: f.name,
    firm_fei_number: f.fei,
    address_1: f.address1,
    address_2: f.address2,
    city: f.city,
    state: f.state,
    postal_code: f.zipExt ? `${f.zip}-${f.zipExt}` : f.zip,
    country: f.country,
    additional_info_contact: `${f.contactFirst} ${f.contactLast}\n${f.area}-${f.phone.slice(0, 3)}-${f.phone.slice(3)}`,
    reason_for_recall: g.pick(RECALL_REASONS)(p.noun.toLowerCase()),
    root_cause_description: g.pick(ROOT_CAUSES),
    action: recallAction(g, f, initiated),
    distribution_pattern: distribution(g),
    product_description: productDescription(r, p),
    code_info: codeInfo(r),
    product_quantity: thousands(r.range(1, 50000)),
    product_code: p.code,
    k_numbers: p.deviceClass === '3' ? [] : [kNumberLike(r)],
    pma_numbers: p.deviceClass === '3' ? ['P' + r.digits(6)] : [],
    other_submission_description: '',
    openfda: p.openfdaRecall
  }
  if (status === 'Terminated') rec.event_date_terminated = iso(terminated)
  return rec
}

const enforcement: Builder = (i, r, g, base) => {
  const z = zKey(i, DATE_SPANS.enforcement, base, g)
  g.reset(mix(base ^ 0xe7e47, z.event))
  const f = pickFirm(g)
  const p = pickProduct(g)
  const classified = fiscalDay(g, z.year)
  const report = clampDay(classified + g.range(1, 14))
  const terminated = report + g.range(90, 1200)
  const status = terminated <= END_DAY && g.chance(0.75) ? 'Terminated' : g.chance(0.7) ? 'Ongoing' : 'Completed'
  const rec: Rec = {
    recall_number: z.number,
    event_id: String(20000 + z.event),
    status,
    classification: g.chance(0.88) ? 'Class II' : g.chance(0.5) ? 'Class I' : 'Class III',
    product_type: 'Devices',
    recalling_firm: f.name,
    address_1: f.address1,
    address_2: f.address2 || g.pick(['', 'N/A']),
    city: f.city,
    state: f.state,
    postal_code: f.zipExt ? `${f.zip}-${f.zipExt}` : f.zip,
    country: f.country,
    voluntary_mandated: g.chance(0.98) ? 'Voluntary: Firm initiated' : 'FDA Mandated',
    initial_firm_notification: g.pick(NOTIFICATIONS),
    distribution_pattern: distribution(g),
    reason_for_recall: g.pick(RECALL_REASONS)(p.noun.toLowerCase()),
    recall_initiation_date: compact(classified - g.range(14, 400)),
    center_classification_date: compact(classified),
    report_date: compact(report),
    product_description: productDescription(r, p),
    product_quantity: `${thousands(r.range(1, 20000))}${r.pick(['', ' units', ' devices', ' kits'])}`,
    code_info: codeInfo(r),
    openfda: {}
  }
  if (r.chance(0.7)) rec.more_code_info = '' // real records sometimes omit it
  if (status === 'Terminated') rec.termination_date = compact(terminated)
  return rec
}

// A PMA and its supplements: index blocks of 128 are split into PMAs of these sizes (most have a
// few supplements, some dozens); position 0 is the original with supplement_number "".
const PMA_SIZES = [1, 2, 4, 6, 9, 14, 30, 3, 1, 58]
const PMA_SLOTS: Array<[number, number]> = PMA_SIZES.flatMap((size, group) => Array.from({ length: size }, (_, pos): [number, number] => [group, pos]))
const PMA_BLOCK = PMA_SLOTS.length // 128

const SUPPLEMENT_TYPES = lines(`Normal 180 Day Track | Real-Time Process | 30-Day Notice | 135 Review Track For 30-Day Notice
  | Special (Immediate Track) | Panel Track | Normal 180 Day Track No User Fee`)
const SUPPLEMENT_CHANGES = lines(`Process Change - Manufacturer/Sterilizer/Packager/Supplier;A CHANGE IN THE STERILIZATION PROCESS
  | Labeling Change - Indications/instructions/shelf life/tradename;MODIFICATIONS TO THE LABELING
  | Change Design/Components/Specifications/Material;A DESIGN CHANGE TO THE {PART}
  | Location change - Manufacturer/Sterilizer/Packager/Supplier;A NEW MANUFACTURING FACILITY LOCATED IN {CITY}
  | Postapproval Study Protocol - OSB;THE POST-APPROVAL STUDY PROTOCOL
  | Change Design/Components/Specifications/Material;AN ALTERNATE SUPPLIER OF THE {PART}
  | Labeling Change - Indications/instructions/shelf life/tradename;EXTENDING THE SHELF LIFE FROM 12 TO 24 MONTHS
  | Other;A CHANGE TO THE DEVICE SOFTWARE`).map((s) => s.split(';'))

const pma: Builder = (i, r, g, base) => {
  const block = Math.floor(i / PMA_BLOCK)
  const [group, pos] = PMA_SLOTS[i % PMA_BLOCK]
  const size = PMA_SIZES[group]
  const ordinal = block * PMA_SIZES.length + group
  // Shared by the original and all its supplements.
  g.reset(mix(base ^ 0x9a4a, ordinal))
  const f = pickFirm(g)
  const p = pickProduct(g)
  const trade = tradeName(g, p)
  const first = recentDay(g, 1976)
  const received = clampDay(first + Math.floor(((END_DAY - first) * (pos + r.next())) / size))
  const original = pos === 0
  const [reason, change] = r.pick(SUPPLEMENT_CHANGES)
  const type = original ? '' : r.pick(SUPPLEMENT_TYPES)
  const notice = type.includes('30-Day')
  return {
    pma_number: 'P' + pad(scramble(ordinal, 1e6), 6),
    supplement_number: original ? '' : 'S' + pad(pos, 3),
    supplement_type: type,
    supplement_reason: original ? '' : reason,
    applicant: f.name,
    street_1: f.U.address1,
    street_2: f.U.address2,
    city: f.city,
    state: f.state,
    zip: f.zip,
    zip_ext: f.zipExt,
    trade_name: trade,
    generic_name: `${p.noun}, ${p.modifier}`.toUpperCase(),
    product_code: p.code,
    advisory_committee: p.specialty.code,
    advisory_committee_description: p.specialty.name,
    date_received: iso(received),
    decision_date: iso(clampDay(received + (notice ? r.range(20, 30) : r.range(30, original ? 700 : 200)))),
    decision_code: notice ? 'LE30' : r.chance(0.95) ? 'APPR' : r.pick(['WTDR', 'DENY', 'APWD', 'GT30']),
    expedited_review_flag: yn(r, original ? 0.1 : 0.01),
    fed_reg_notice_date: original && r.chance(0.5) ? iso(clampDay(received + r.range(200, 900))) : '',
    docket_number: original && r.chance(0.5) ? `${pad(civil(received)[0] % 100, 2)}M-${r.digits(4)}` : '',
    ao_statement: original
      ? `APPROVAL FOR THE ${trade}. THIS DEVICE IS INDICATED FOR ${p.modifier.toUpperCase()} USE IN PATIENTS REQUIRING A ${p.noun.toUpperCase()}.`
      : `APPROVAL FOR ${change.replace('{PART}', r.pick(PARTS)).replace('{CITY}', f.U.city)} FOR THE ${trade}.`,
    openfda: p.openfdaLong
  }
}

/** GS1 check digit over a 13-digit body. */
function gs1(body: string): string {
  let sum = 0
  for (let k = 0; k < 13; k++) sum += Number(body[k]) * (k % 2 === 0 ? 3 : 1)
  return body + ((10 - (sum % 10)) % 10)
}
const hex = (n: number, width: number): string => n.toString(16).padStart(width, '0').slice(-width)

const SIZE_TYPES = lines('Length;Millimeter | Outer Diameter;Millimeter | Catheter Gauge;French | Total Volume;Milliliter | Width;Centimeter | Weight;Gram').map((s) => s.split(';'))
const STERILIZATION = lines('Ethylene Oxide | Moist Heat or Steam Sterilization | Radiation Sterilization | Hydrogen Peroxide')
const MRI = lines('Labeling does not contain MRI Safety Information | MR Conditional | MR Safe | MR Unsafe')

const udi: Builder = (i, r) => {
  const p = pickProduct(r)
  const f = pickFirm(r)
  const published = recentDay(r, 2014)
  // DI: "0" + 4 digits derived from the index (a labeler-like prefix) + 8 scrambled index digits +
  // GS1 check digit: 14 digits and unique below 1e8 records.
  const x = scramble(i, 1e8)
  const body = '0' + String(1000 + ((x * 31) % 9000)) + pad(x, 8)
  const di = gs1(body)
  const identifiers: Rec[] = [{ id: di, type: 'Primary', issuing_agency: 'GS1' }]
  if (r.chance(0.3)) {
    identifiers.push({ id: gs1(r.range(1, 8) + body.slice(1)), type: 'Package', issuing_agency: 'GS1', package_status: 'In Commercial Distribution', quantity_per_package: String(r.pick([5, 10, 12, 24, 50, 100])), unit_of_use_id: di })
  }
  const sterile = r.chance(0.5)
  const inDistribution = r.chance(0.9)
  const [sizeType, unit] = r.pick(SIZE_TYPES)
  const brand = r.skewed(BRAND_WORDS, 2)
  const rec: Rec = {}
  // ~10% of records have no public_device_record_key (as in the 2015 sample), chosen by index so keys
  // stay seed-independent; they are keyed by their primary DI.
  if (mix(0x0d1, i) % 10 !== 0) {
    const h = mix(0x7e7, i)
    rec.public_device_record_key = `${hex(mix(0x7e8, i), 8)}-${hex(h >>> 16, 4)}-4${hex(h, 3)}-${'89ab'[h & 3]}${hex(mix(0x7e9, i), 3)}-${hex(x, 12)}`
  }
  Object.assign(rec, {
    public_version_number: String(r.range(1, 9)),
    public_version_status: r.pick(['New', 'Update']),
    public_version_date: iso(clampDay(published + r.int(900))),
    publish_date: iso(published),
    record_status: 'Published',
    identifiers,
    brand_name: brand,
    version_or_model_number: r.chance(0.5) ? r.digits(7) : `${r.alnum(3)}-${r.digits(4)}`,
    catalog_number: r.chance(0.6) ? r.alnum(8) : '',
    company_name: f.name,
    labeler_duns_number: f.duns,
    device_description: `${brand} ${p.modifier} ${p.noun}, ${r.range(2, 40)}x${r.range(2, 40)}mm`,
    device_count_in_base_package: '1',
    commercial_distribution_status: inDistribution ? 'In Commercial Distribution' : 'Not in Commercial Distribution',
    is_rx: tf(r, 0.85),
    is_otc: tf(r, 0.15),
    is_kit: tf(r, 0.05),
    is_combination_product: tf(r, 0.03),
    is_hct_p: 'false',
    is_single_use: tf(r, 0.5),
    is_pm_exempt: tf(r, 0.2),
    is_direct_marking_exempt: 'false',
    is_labeled_as_nrl: 'false',
    is_labeled_as_no_nrl: tf(r, 0.3),
    has_lot_or_batch_number: tf(r, 0.8),
    has_serial_number: tf(r, 0.2),
    has_manufacturing_date: tf(r, 0.3),
    has_expiration_date: tf(r, 0.5),
    has_donation_id_number: 'false',
    mri_safety: r.skewed(MRI),
    sterilization: { is_sterile: String(sterile), is_sterilization_prior_use: String(!sterile && r.chance(0.5)), sterilization_methods: sterile || r.chance(0.5) ? r.pick(STERILIZATION) : '' },
    device_sizes: r.chance(0.5) ? [{ type: sizeType, value: String(r.range(1, 300)), unit }] : [],
    storage: r.chance(0.3) ? [{ type: 'Storage Environment Temperature', high: { unit: 'Degrees Celsius', value: '30' }, low: { unit: 'Degrees Celsius', value: '2' }, special_conditions: '' }] : [],
    customer_contacts: [{ phone: `+1(${f.area})${f.phone.slice(0, 3)}-${f.phone.slice(3)}`, email: f.email }],
    product_codes: [{ code: p.code, name: p.deviceName, openfda: p.openfdaShort }],
    gmdn_terms: [r.pick(GMDN_TERMS)],
    premarket_submissions: p.deviceClass === '1' ? [] : [{ submission_number: p.deviceClass === '3' ? 'P' + r.digits(6) : kNumberLike(r), supplement_number: '', submission_type: p.deviceClass === '3' ? 'PMA' : '510(k)' }]
  })
  if (!inDistribution) rec.commercial_distribution_end_date = iso(clampDay(published + r.range(30, 2000)))
  return rec
}

const BUILDERS: Record<EndpointName, Builder> = { '510k': clearance, classification, event, recall, pma, udi, enforcement }
