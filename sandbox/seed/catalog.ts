/** Static catalogues the generator draws from: names, suppliers, accounts, tags, notes. */
import type { Currency } from "./fixtures";

export const FIRST_NAMES: Record<Currency, readonly string[]> = {
  DKK: [
    "Mette",
    "Lars",
    "Sofie",
    "Anders",
    "Freja",
    "Mads",
    "Ida",
    "Rasmus",
    "Camilla",
    "Jonas",
    "Emma",
    "Frederik",
    "Line",
    "Kasper",
    "Signe",
    "Mikkel",
    "Julie",
    "Christian",
    "Astrid",
    "Søren",
    "Nanna",
    "Thomas",
    "Karoline",
    "Jakob",
  ],
  EUR: ["Sanne", "Daan", "Lotte", "Bram", "Femke", "Joost", "Eva", "Ruben", "Anouk", "Thijs", "Noor", "Sem"],
  GBP: ["Olivia", "James", "Amelia", "Harry", "Isla", "George", "Ava", "Callum", "Freya", "Oliver", "Eilidh", "Jack"],
  SEK: ["Elsa"],
  ISK: ["Guðrún"],
};

export const LAST_NAMES: Record<Currency, readonly string[]> = {
  DKK: [
    "Jensen",
    "Nielsen",
    "Hansen",
    "Pedersen",
    "Andersen",
    "Christensen",
    "Larsen",
    "Sørensen",
    "Rasmussen",
    "Jørgensen",
    "Petersen",
    "Madsen",
    "Kristensen",
    "Olsen",
    "Thomsen",
    "Poulsen",
    "Johansen",
    "Møller",
    "Mortensen",
  ],
  EUR: ["de Jong", "Jansen", "de Vries", "van den Berg", "Bakker", "Visser", "Smit", "Meijer", "Mulder", "Bos"],
  GBP: ["Smith", "Campbell", "Stewart", "MacDonald", "Robertson", "Thomson", "Anderson", "Reid", "Murray", "Taylor"],
  SEK: ["Lindqvist"],
  ISK: ["Jónsdóttir"],
};

export const JOB_TITLES = [
  "Designer",
  "Senior Designer",
  "Developer",
  "Engineering Lead",
  "Account Manager",
  "Sales Executive",
  "Marketing Manager",
  "Content Strategist",
  "Office Manager",
  "Finance Manager",
  "CFO",
  "CEO",
  "Project Manager",
  "Product Owner",
  "Customer Success Manager",
  "Bookkeeper",
] as const;

export const TEAM_NAMES = ["Design", "Engineering", "Sales", "Marketing", "Operations", "Finance"] as const;

/** Chart of accounts ("categories" in Pleo). `key` links suppliers to an account. */
export const ACCOUNTS = [
  { key: "travel", code: "7100", name: "Travel" },
  { key: "hotel", code: "7110", name: "Hotel & accommodation" },
  { key: "transport", code: "7120", name: "Local transport & taxi" },
  { key: "meals", code: "7200", name: "Meals & entertainment" },
  { key: "perdiem", code: "7300", name: "Per diem" },
  { key: "mileage", code: "7310", name: "Mileage" },
  { key: "software", code: "6100", name: "Software & subscriptions" },
  { key: "phone", code: "6150", name: "Phone & internet" },
  { key: "office", code: "6200", name: "Office supplies" },
  { key: "equipment", code: "6300", name: "IT equipment" },
  { key: "marketing", code: "6500", name: "Marketing & advertising" },
  { key: "consulting", code: "6600", name: "Consultancy" },
  { key: "training", code: "6800", name: "Training & conferences" },
  { key: "fees", code: "8100", name: "Bank & card fees" },
  { key: "legacy", code: "6999", name: "Miscellaneous (old)", archived: true },
] as const;
export type AccountKey = (typeof ACCOUNTS)[number]["key"];

export interface SupplierDef {
  name: string;
  currency: Currency;
  account: AccountKey;
  /** Typical price range in major units of `currency`. */
  min: number;
  max: number;
  online: boolean;
  weight: number;
  /** Suppliers that send invoices (bills, credit notes) instead of being paid by card. */
  invoice?: boolean;
}

export const SUPPLIERS: readonly SupplierDef[] = [
  // Software (billed in EUR by their European entities).
  { name: "Figma", currency: "EUR", account: "software", min: 12, max: 540, online: true, weight: 3 },
  { name: "Slack Technologies", currency: "EUR", account: "software", min: 7, max: 420, online: true, weight: 3 },
  { name: "Google Workspace", currency: "EUR", account: "software", min: 11, max: 380, online: true, weight: 3 },
  { name: "Adobe Systems", currency: "EUR", account: "software", min: 24, max: 700, online: true, weight: 2 },
  { name: "Amazon Web Services", currency: "EUR", account: "software", min: 30, max: 2400, online: true, weight: 2 },
  { name: "Notion Labs", currency: "EUR", account: "software", min: 8, max: 240, online: true, weight: 2 },
  { name: "LinkedIn Ads", currency: "EUR", account: "marketing", min: 50, max: 1500, online: true, weight: 2 },
  { name: "Meta Ads", currency: "EUR", account: "marketing", min: 40, max: 1200, online: true, weight: 2 },
  { name: "Apple Store", currency: "EUR", account: "equipment", min: 29, max: 2900, online: true, weight: 1 },
  { name: "Lufthansa", currency: "EUR", account: "travel", min: 120, max: 900, online: true, weight: 1 },
  { name: "Booking.com", currency: "EUR", account: "hotel", min: 90, max: 750, online: true, weight: 2 },
  { name: "Uber", currency: "EUR", account: "transport", min: 8, max: 65, online: true, weight: 2 },
  { name: "Web Summit", currency: "EUR", account: "training", min: 400, max: 1400, online: true, weight: 0.3 },
  // Denmark
  { name: "DSB", currency: "DKK", account: "travel", min: 24, max: 580, online: true, weight: 4 },
  { name: "Netto", currency: "DKK", account: "meals", min: 35, max: 450, online: false, weight: 3 },
  { name: "Lagkagehuset", currency: "DKK", account: "meals", min: 40, max: 380, online: false, weight: 3 },
  { name: "Joe & The Juice", currency: "DKK", account: "meals", min: 45, max: 260, online: false, weight: 3 },
  { name: "Wolt", currency: "DKK", account: "meals", min: 120, max: 1400, online: true, weight: 3 },
  { name: "7-Eleven", currency: "DKK", account: "meals", min: 20, max: 160, online: false, weight: 2 },
  {
    name: "SAS Scandinavian Airlines",
    currency: "DKK",
    account: "travel",
    min: 700,
    max: 5200,
    online: true,
    weight: 1.5,
  },
  { name: "Scandic Hotels", currency: "DKK", account: "hotel", min: 900, max: 3200, online: true, weight: 1.5 },
  { name: "Dansk Taxi 4x35", currency: "DKK", account: "transport", min: 90, max: 600, online: false, weight: 2 },
  { name: "Circle K", currency: "DKK", account: "mileage", min: 200, max: 900, online: false, weight: 1 },
  { name: "Telenor", currency: "DKK", account: "phone", min: 149, max: 899, online: true, weight: 1 },
  { name: "Office Depot DK", currency: "DKK", account: "office", min: 60, max: 2400, online: true, weight: 1.5 },
  { name: "Proshop", currency: "DKK", account: "equipment", min: 150, max: 12000, online: true, weight: 1 },
  { name: "Restaurant Barr", currency: "DKK", account: "meals", min: 600, max: 4800, online: false, weight: 1 },
  // Netherlands
  { name: "Albert Heijn", currency: "EUR", account: "meals", min: 6, max: 80, online: false, weight: 2 },
  { name: "NS Reizigers", currency: "EUR", account: "travel", min: 4, max: 90, online: true, weight: 2 },
  { name: "KLM", currency: "EUR", account: "travel", min: 110, max: 950, online: true, weight: 1 },
  { name: "Coolblue", currency: "EUR", account: "equipment", min: 20, max: 1800, online: true, weight: 1 },
  // United Kingdom
  { name: "Pret A Manger", currency: "GBP", account: "meals", min: 4, max: 45, online: false, weight: 3 },
  { name: "Tesco", currency: "GBP", account: "meals", min: 5, max: 90, online: false, weight: 2 },
  { name: "LNER", currency: "GBP", account: "travel", min: 25, max: 320, online: true, weight: 2 },
  { name: "Transport for London", currency: "GBP", account: "transport", min: 3, max: 40, online: false, weight: 2 },
  { name: "Premier Inn", currency: "GBP", account: "hotel", min: 70, max: 260, online: true, weight: 1.5 },
  { name: "Ryman", currency: "GBP", account: "office", min: 6, max: 180, online: false, weight: 1 },
  { name: "Heathrow Express", currency: "GBP", account: "travel", min: 25, max: 50, online: true, weight: 0.5 },
  // Sweden and Iceland (business trips)
  { name: "SJ AB", currency: "SEK", account: "travel", min: 190, max: 1600, online: true, weight: 1 },
  { name: "Pressbyrån", currency: "SEK", account: "meals", min: 30, max: 240, online: false, weight: 0.8 },
  { name: "Elite Hotels", currency: "SEK", account: "hotel", min: 1100, max: 3600, online: true, weight: 0.6 },
  { name: "Icelandair", currency: "ISK", account: "travel", min: 25000, max: 110000, online: true, weight: 0.5 },
  { name: "Bónus", currency: "ISK", account: "meals", min: 900, max: 9000, online: false, weight: 0.4 },
  { name: "Hótel Borg", currency: "ISK", account: "hotel", min: 28000, max: 75000, online: true, weight: 0.3 },
  // Invoicing suppliers (bills and credit notes).
  {
    name: "Kromann Reumert",
    currency: "DKK",
    account: "consulting",
    min: 8000,
    max: 60000,
    online: true,
    weight: 1,
    invoice: true,
  },
  {
    name: "Copenhagen Print Co",
    currency: "DKK",
    account: "marketing",
    min: 2000,
    max: 18000,
    online: true,
    weight: 1,
    invoice: true,
  },
  {
    name: "BDO Advisory",
    currency: "EUR",
    account: "consulting",
    min: 900,
    max: 6000,
    online: true,
    weight: 1,
    invoice: true,
  },
  {
    name: "Harper Macleod LLP",
    currency: "GBP",
    account: "consulting",
    min: 600,
    max: 5000,
    online: true,
    weight: 1,
    invoice: true,
  },
  { name: "WeWork", currency: "EUR", account: "office", min: 400, max: 3500, online: true, weight: 1, invoice: true },
];

/** Value of one unit of each currency in EUR (approximate, realistic 2025 levels). */
export const EUR_PER_UNIT: Record<Currency, number> = {
  EUR: 1,
  DKK: 0.134,
  SEK: 0.087,
  GBP: 1.17,
  ISK: 0.0066,
};

export const NOTES: Record<AccountKey, readonly string[]> = {
  travel: [
    "Train to client workshop",
    "Flight to Stockholm offsite",
    "Return ticket for conference",
    "Trip to Aarhus office",
  ],
  hotel: ["Hotel during client visit", "Two nights for the design sprint", "Conference hotel"],
  transport: ["Taxi from the airport", "Taxi after late client dinner", "Metro tickets"],
  meals: [
    "Team lunch",
    "Client lunch",
    "Coffee with candidate",
    "Breakfast for the all-hands",
    "Dinner with partners",
    "Snacks for the workshop",
    "Friday bar supplies",
  ],
  perdiem: ["Per diem, trip to Malmö", "Per diem, two-day offsite"],
  mileage: ["Drive to client in Odense", "Fuel for rental car"],
  software: ["Monthly subscription", "Annual plan renewal", "Extra seats for new hires", "Usage-based invoice"],
  phone: ["Mobile subscription", "Office internet"],
  office: ["Printer ink", "Notebooks and pens", "Whiteboard markers", "Kitchen supplies"],
  equipment: ["Monitor for new hire", "USB-C hub", "Laptop replacement", "Keyboard and mouse"],
  marketing: ["Campaign for spring launch", "Retargeting campaign", "Sponsored post"],
  consulting: ["Legal review", "Accounting advisory"],
  training: ["Conference ticket", "Online course"],
  fees: ["Card fee"],
  legacy: ["Misc"],
};

export const TAG_GROUPS = [
  {
    code: "PROJ",
    name: "Projects",
    tags: [
      "Website relaunch",
      "Brand refresh",
      "Mobile app",
      "Annual report",
      "Client onboarding",
      "Office move",
      "Q3 campaign",
      "Design system",
      "Research study",
      "Partner summit",
    ],
  },
  { code: "CC", name: "Cost centre", tags: ["Headquarters", "Studio", "Remote", "Field sales", "Management", "R&D"] },
  {
    code: "CLIENT",
    name: "Clients",
    tags: ["Maersk", "Carlsberg", "LEGO", "Novo Nordisk", "Ørsted", "Bang & Olufsen", "Vestas", "Pandora"],
  },
] as const;

/** TaxCodeModel values (FOUND fields; `type` is one of inclusive | exclusive | reverse). */
export const TAX_CODES = [
  { code: "VAT25", name: "VAT 25%", rate: 0.25, type: "inclusive" },
  { code: "VAT0", name: "Zero-rated", rate: 0, type: "inclusive" },
  { code: "REVERSE", name: "Reverse charge (EU services)", rate: 0.25, type: "reverse" },
] as const;
