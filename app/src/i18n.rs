//! The portal's words in English, Polish, Russian and Ukrainian, and money and dates written the
//! way each locale writes them. Keys are an enum, so a missing translation does not compile.

#[cfg(not(test))]
use leptos::lazy;
use rust_decimal::Decimal;
use upline_contract::Language;

macro_rules! texts {
    ($($key:ident => $en:literal, $pl:literal, $ru:literal, $uk:literal;)*) => {
        /// One piece of interface text.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum T { $($key),* }

        impl T {
            pub const ALL: &'static [T] = &[$(T::$key),*];
        }

        /// Every text of one language, in the order of [`T`].
        pub type Texts = [&'static str; T::ALL.len()];

        /// English is in the shell: the fallback, and what most first visits need.
        static ENGLISH: Texts = [$($en),*];

        // The other languages are a chunk each: a visitor downloads the words of one language,
        // not of four. (wasm-bindgen-test-runner loads one unsplit module: tests read them in place.)
        #[cfg_attr(not(test), lazy)]
        async fn polish() -> &'static Texts {
            static POLISH: Texts = [$($pl),*];
            &POLISH
        }

        #[cfg_attr(not(test), lazy)]
        async fn russian() -> &'static Texts {
            static RUSSIAN: Texts = [$($ru),*];
            &RUSSIAN
        }

        #[cfg_attr(not(test), lazy)]
        async fn ukrainian() -> &'static Texts {
            static UKRAINIAN: Texts = [$($uk),*];
            &UKRAINIAN
        }
    };
}

thread_local! {
    /// The languages whose chunk has arrived, so a mount can start in one without waiting.
    static LOADED: std::cell::Cell<[Option<&'static Texts>; 4]> =
        const { std::cell::Cell::new([Some(&ENGLISH), None, None, None]) };
}

fn slot(language: Language) -> usize {
    match language {
        Language::En => 0,
        Language::Pl => 1,
        Language::Ru => 2,
        Language::Uk => 3,
    }
}

/// The texts of `language`, fetching its chunk the first time.
pub async fn texts(language: Language) -> &'static Texts {
    if let Some(texts) = LOADED.get()[slot(language)] {
        return texts;
    }
    let texts = match language {
        Language::En => &ENGLISH,
        Language::Pl => polish().await,
        Language::Ru => russian().await,
        Language::Uk => ukrainian().await,
    };
    let mut loaded = LOADED.get();
    loaded[slot(language)] = Some(texts);
    LOADED.set(loaded);
    texts
}

/// The texts of `language` if they have arrived, English otherwise.
pub fn loaded(language: Language) -> &'static Texts {
    LOADED.get()[slot(language)].unwrap_or(&ENGLISH)
}

texts! {
    AppName => "Upline", "Upline", "Upline", "Upline";
    Loading => "Loading…", "Ładowanie…", "Загрузка…", "Завантаження…";
    Save => "Save", "Zapisz", "Сохранить", "Зберегти";
    Saved => "Saved", "Zapisano", "Сохранено", "Збережено";
    Cancel => "Cancel", "Anuluj", "Отмена", "Скасувати";
    LoadMore => "Load more", "Więcej", "Показать ещё", "Показати ще";
    Search => "Search", "Szukaj", "Поиск", "Пошук";
    Language => "Language", "Język", "Язык", "Мова";
    SomethingWrong => "Something went wrong", "Coś poszło nie tak", "Что-то пошло не так", "Щось пішло не так";
    NotFound => "This page does not exist.", "Ta strona nie istnieje.", "Такой страницы нет.", "Такої сторінки немає.";
    // Navigation
    NavDashboard => "Dashboard", "Pulpit", "Главная", "Головна";
    NavReferrals => "Referrals", "Polecenia", "Рефералы", "Реферали";
    NavCommissions => "Commissions", "Prowizje", "Комиссии", "Комісії";
    NavInvite => "Invite", "Zaproś", "Пригласить", "Запросити";
    NavPayouts => "Payouts", "Wypłaty", "Выплаты", "Виплати";
    NavStaff => "Staff", "Administracja", "Управление", "Управління";
    NavPartners => "Partners", "Partnerzy", "Партнёры", "Партнери";
    NavPayoutRequests => "Payout requests", "Wnioski o wypłatę", "Заявки на выплату", "Заявки на виплату";
    NavProgram => "Program", "Program", "Программа", "Програма";
    NavUsers => "Staff users", "Użytkownicy", "Сотрудники", "Співробітники";
    NavDeals => "Deals", "Transakcje", "Сделки", "Угоди";
    AuthenticatorCode => "Code from your authenticator app", "Kod z aplikacji uwierzytelniającej", "Код из приложения-аутентификатора", "Код із застосунку-автентифікатора";
    NavSecurity => "Two-factor login", "Logowanie dwuetapowe", "Двухфакторный вход", "Двофакторний вхід";
    TwoFactorIntro => "With two-factor login, signing in needs your password and a code from an authenticator app on your phone.", "Przy logowaniu dwuetapowym potrzebne są hasło i kod z aplikacji uwierzytelniającej w telefonie.", "При двухфакторном входе нужны пароль и код из приложения-аутентификатора на телефоне.", "Під час двофакторного входу потрібні пароль і код із застосунку-автентифікатора на телефоні.";
    TwoFactorOn => "Two-factor login is on.", "Logowanie dwuetapowe jest włączone.", "Двухфакторный вход включён.", "Двофакторний вхід увімкнено.";
    TwoFactorOff => "Two-factor login is off.", "Logowanie dwuetapowe jest wyłączone.", "Двухфакторный вход выключен.", "Двофакторний вхід вимкнено.";
    TurnOnTwoFactor => "Turn on two-factor login", "Włącz logowanie dwuetapowe", "Включить двухфакторный вход", "Увімкнути двофакторний вхід";
    TurnOffTwoFactor => "Turn off two-factor login", "Wyłącz logowanie dwuetapowe", "Выключить двухфакторный вход", "Вимкнути двофакторний вхід";
    ScanTwoFactorCode => "Scan this code with your authenticator app, then type the code it shows.", "Zeskanuj ten kod aplikacją uwierzytelniającą i wpisz kod, który pokaże.", "Отсканируйте этот код приложением-аутентификатором и введите показанный код.", "Відскануйте цей код застосунком-автентифікатором і введіть показаний код.";
    TwoFactorKey => "Or enter this key by hand:", "Albo wpisz ten klucz ręcznie:", "Или введите этот ключ вручную:", "Або введіть цей ключ вручну:";
    ConfirmCode => "Confirm", "Potwierdź", "Подтвердить", "Підтвердити";
    TwoFactorRequiredNotice => "Your program requires two-factor login for staff. Turn it on to continue.", "Twój program wymaga logowania dwuetapowego od personelu. Włącz je, aby kontynuować.", "Ваша программа требует двухфакторного входа для сотрудников. Включите его, чтобы продолжить.", "Ваша програма вимагає двофакторного входу для працівників. Увімкніть його, щоб продовжити.";
    StaffTwoFactorRequired => "Staff must use two-factor login", "Personel musi używać logowania dwuetapowego", "Сотрудники обязаны использовать двухфакторный вход", "Працівники мають використовувати двофакторний вхід";
    NavAudit => "Audit log", "Dziennik zmian", "Журнал изменений", "Журнал змін";
    PeriodFrom => "From", "Od", "С", "З";
    PeriodTo => "To", "Do", "По", "По";
    Who => "Who", "Kto", "Кто", "Хто";
    Anyone => "Anyone", "Wszyscy", "Все", "Усі";
    Action => "Action", "Działanie", "Действие", "Дія";
    Target => "Target", "Obiekt", "Объект", "Об'єкт";
    Changes => "Changes", "Zmiany", "Изменения", "Зміни";
    ApiKeyMark => "API key", "klucz API", "API-ключ", "API-ключ";
    NoAuditEvents => "No changes in this period.", "Brak zmian w tym okresie.", "За этот период изменений нет.", "За цей період змін немає.";
    LogOut => "Log out", "Wyloguj", "Выйти", "Вийти";
    // Accounts
    LogIn => "Log in", "Zaloguj się", "Войти", "Увійти";
    LogInTitle => "Log in to your partner program", "Zaloguj się do programu partnerskiego", "Вход в партнёрскую программу", "Вхід до партнерської програми";
    Program => "Program address", "Adres programu", "Адрес программы", "Адреса програми";
    Email => "Email", "E-mail", "Эл. почта", "Ел. пошта";
    Password => "Password", "Hasło", "Пароль", "Пароль";
    NewPassword => "New password", "Nowe hasło", "Новый пароль", "Новий пароль";
    Name => "Name", "Imię i nazwisko", "Имя", "Ім'я";
    Phone => "Phone", "Telefon", "Телефон", "Телефон";
    ForgotPassword => "Forgot password?", "Nie pamiętasz hasła?", "Забыли пароль?", "Забули пароль?";
    SendLink => "Send me a link", "Wyślij link", "Отправить ссылку", "Надіслати посилання";
    LinkSent => "If the address has an account, a link is on its way.", "Jeśli adres ma konto, link jest w drodze.", "Если у адреса есть аккаунт, ссылка уже в пути.", "Якщо адреса має обліковий запис, посилання вже в дорозі.";
    NoAccount => "New here? Ask a partner for their link, or register:", "Nowy? Poproś partnera o link lub zarejestruj się:", "Впервые? Попросите ссылку у партнёра или зарегистрируйтесь:", "Вперше? Попросіть посилання в партнера або зареєструйтеся:";
    Register => "Create my account", "Załóż konto", "Создать аккаунт", "Створити обліковий запис";
    RegisterTitle => "Join the partner program", "Dołącz do programu partnerskiego", "Присоединяйтесь к партнёрской программе", "Приєднуйтесь до партнерської програми";
    InvitedBy => "invited you to", "zaprasza Cię do", "приглашает вас в", "запрошує вас до";
    ReferralCode => "Referral code", "Kod polecający", "Реферальный код", "Реферальний код";
    AcceptTerms => "I accept the program terms", "Akceptuję regulamin programu", "Я принимаю условия программы", "Я приймаю умови програми";
    ReadTerms => "Read the terms (PDF)", "Przeczytaj regulamin (PDF)", "Прочитать условия (PDF)", "Прочитати умови (PDF)";
    ConfirmTitle => "Confirming your email", "Potwierdzanie adresu e-mail", "Подтверждение почты", "Підтвердження пошти";
    Confirmed => "Your email is confirmed.", "Adres e-mail potwierdzony.", "Почта подтверждена.", "Пошту підтверджено.";
    Continue => "Continue", "Dalej", "Продолжить", "Продовжити";
    SetPasswordTitle => "Choose a password", "Ustaw hasło", "Задайте пароль", "Задайте пароль";
    ConfirmGateTitle => "Confirm your email", "Potwierdź adres e-mail", "Подтвердите почту", "Підтвердіть пошту";
    ConfirmGateBody => "We sent a link to your address. Open it to unlock your account.", "Wysłaliśmy link na Twój adres. Otwórz go, aby odblokować konto.", "Мы отправили ссылку на ваш адрес. Откройте её, чтобы открыть доступ.", "Ми надіслали посилання на вашу адресу. Відкрийте його, щоб відкрити доступ.";
    Resend => "Send the link again", "Wyślij ponownie", "Отправить ещё раз", "Надіслати ще раз";
    Resent => "Sent. Check your inbox.", "Wysłano. Sprawdź skrzynkę.", "Отправлено. Проверьте почту.", "Надіслано. Перевірте пошту.";
    JoinTitle => "You are not a partner yet", "Nie jesteś jeszcze partnerem", "Вы ещё не партнёр", "Ви ще не партнер";
    Join => "Join the program", "Dołącz do programu", "Вступить в программу", "Вступити до програми";
    StartTitle => "Start a partner program", "Załóż program partnerski", "Создать партнёрскую программу", "Створити партнерську програму";
    StartHint => "Your program's address: lowercase letters, digits and dashes.", "Adres programu: małe litery, cyfry i myślniki.", "Адрес программы: строчные буквы, цифры и дефисы.", "Адреса програми: малі літери, цифри й дефіси.";
    ProgramName => "Program name", "Nazwa programu", "Название программы", "Назва програми";
    YourName => "Your name", "Twoje imię i nazwisko", "Ваше имя", "Ваше ім'я";
    Start => "Start the program", "Załóż program", "Создать программу", "Створити програму";
    LocalOutbox => "Running locally? The email is in the local outbox:", "Uruchomione lokalnie? E-mail jest w lokalnej skrzynce:", "Локальный запуск? Письмо в локальном ящике:", "Локальний запуск? Лист у локальній скриньці:";
    // Dashboard
    YourLink => "Your referral link", "Twój link polecający", "Ваша реферальная ссылка", "Ваше реферальне посилання";
    Copy => "Copy", "Kopiuj", "Копировать", "Копіювати";
    Copied => "Copied", "Skopiowano", "Скопировано", "Скопійовано";
    QrCode => "QR code", "Kod QR", "QR-код", "QR-код";
    DownloadPng => "Download PNG", "Pobierz PNG", "Скачать PNG", "Завантажити PNG";
    DownloadSvg => "Download SVG", "Pobierz SVG", "Скачать SVG", "Завантажити SVG";
    Share => "Share", "Udostępnij", "Поделиться", "Поділитися";
    ShareText => "Join me in this program:", "Dołącz do mnie w tym programie:", "Присоединяйтесь ко мне в этой программе:", "Приєднуйтесь до мене в цій програмі:";
    Balance => "Balance", "Saldo", "Баланс", "Баланс";
    Pending => "Pending", "Oczekujące", "В ожидании", "Очікує";
    Available => "Available", "Dostępne", "Доступно", "Доступно";
    PendingUntil => "Pending until", "Oczekuje do", "Ожидает до", "Очікує до";
    PendingHint => "Earned and held until the hold period ends; a refund in that time takes it back.", "Zarobione i wstrzymane do końca okresu wstrzymania; zwrot w tym czasie je cofa.", "Заработано и удерживается до конца периода удержания; возврат за это время его отменяет.", "Зароблено й утримується до кінця періоду утримання; повернення за цей час його скасовує.";
    RecentEntries => "Recent activity", "Ostatnie operacje", "Последние операции", "Останні операції";
    SeeAll => "See all", "Zobacz wszystko", "Смотреть все", "Дивитися все";
    RequestPayout => "Request payout", "Poproś o wypłatę", "Запросить выплату", "Запросити виплату";
    PayoutOpen => "A payout request is open.", "Wniosek o wypłatę jest otwarty.", "Заявка на выплату открыта.", "Заявка на виплату відкрита.";
    BelowMinimum => "The minimum payout is", "Minimalna wypłata to", "Минимальная выплата —", "Мінімальна виплата —";
    Amount => "Amount", "Kwota", "Сумма", "Сума";
    PayoutRequested => "Payout requested.", "Wniosek wysłany.", "Заявка отправлена.", "Заявку надіслано.";
    EarningsOverTime => "Earnings by month", "Zarobki miesięcznie", "Доход по месяцам", "Дохід за місяцями";
    EarningsPerLevel => "Earnings by level", "Zarobki według poziomu", "Доход по уровням", "Дохід за рівнями";
    Level => "Level", "Poziom", "Уровень", "Рівень";
    // Entries
    Date => "Date", "Data", "Дата", "Дата";
    Kind => "Type", "Rodzaj", "Тип", "Тип";
    Source => "Source", "Źródło", "Источник", "Джерело";
    KindAccrual => "Commission", "Prowizja", "Комиссия", "Комісія";
    KindReversal => "Reversal", "Storno", "Сторно", "Сторно";
    KindAdjustment => "Adjustment", "Korekta", "Корректировка", "Коригування";
    KindPayout => "Payout", "Wypłata", "Выплата", "Виплата";
    Deal => "Deal", "Transakcja", "Сделка", "Угода";
    From => "from", "od", "от", "від";
    YourDeal => "your own deal", "Twoja transakcja", "ваша сделка", "ваша угода";
    NoEntries => "No commissions yet. Share your link to earn your first one.", "Brak prowizji. Udostępnij link, aby zarobić pierwszą.", "Комиссий пока нет. Поделитесь ссылкой, чтобы заработать первую.", "Комісій поки немає. Поділіться посиланням, щоб заробити першу.";
    // Referrals
    DirectReferrals => "Direct referrals", "Bezpośrednie polecenia", "Прямые рефералы", "Прямі реферали";
    WholeDownline => "Whole downline", "Cała struktura", "Вся структура", "Уся структура";
    Tree => "Tree", "Drzewo", "Дерево", "Дерево";
    Table => "Table", "Tabela", "Таблица", "Таблиця";
    Depth => "Depth", "Głębokość", "Глубина", "Глибина";
    AllLevels => "All levels", "Wszystkie poziomy", "Все уровни", "Усі рівні";
    Joined => "Joined", "Dołączył", "Присоединился", "Приєднався";
    NoReferrals => "Nobody has joined through you yet.", "Nikt jeszcze nie dołączył przez Ciebie.", "Через вас ещё никто не присоединился.", "Через вас ще ніхто не приєднався.";
    Leads => "Leads you brought in", "Twoje leady", "Ваши лиды", "Ваші ліди";
    NoLeads => "No leads yet: they appear when someone comes in through your link or code.", "Brak leadów: pojawią się, gdy ktoś przyjdzie przez Twój link lub kod.", "Лидов пока нет: они появятся, когда кто-то придёт по вашей ссылке или коду.", "Лідів поки немає: вони з'являться, коли хтось прийде за вашим посиланням чи кодом.";
    YourDeals => "Deals you brought in", "Twoje transakcje", "Ваши сделки", "Ваші угоди";
    NoDeals => "No deals yet: they appear when a lead of yours buys.", "Brak transakcji: pojawią się, gdy Twój lead kupi.", "Сделок пока нет: они появятся, когда ваш лид купит.", "Угод поки немає: вони з'являться, коли ваш лід купить.";
    YouEarned => "You earned", "Twój zarobek", "Вы заработали", "Ви заробили";
    LeadOnly => "lead", "lead", "лид", "лід";
    ClientSince => "client since", "klient od", "клиент с", "клієнт з";
    // Invite
    InviteTitle => "Invite someone", "Zaproś kogoś", "Пригласить человека", "Запросити людину";
    FirstName => "First name", "Imię", "Имя", "Ім'я";
    LastName => "Last name", "Nazwisko", "Фамилия", "Прізвище";
    Subject => "Subject", "Temat", "Тема", "Тема";
    Message => "Message", "Wiadomość", "Сообщение", "Повідомлення";
    LevelZero => "Invite at level zero (nobody above them)", "Zaproś na poziomie zero (bez nikogo nad nimi)", "Пригласить на нулевой уровень (без спонсора)", "Запросити на нульовий рівень (без спонсора)";
    SendInvitation => "Send invitation", "Wyślij zaproszenie", "Отправить приглашение", "Надіслати запрошення";
    InvitationSent => "Invitation sent. It is valid until", "Zaproszenie wysłane. Ważne do", "Приглашение отправлено. Действует до", "Запрошення надіслано. Діє до";
    // Payouts
    Status => "Status", "Status", "Статус", "Статус";
    Requested => "Requested", "Zgłoszona", "Запрошена", "Запитана";
    Paid => "Paid", "Wypłacona", "Выплачена", "Виплачена";
    Rejected => "Rejected", "Odrzucona", "Отклонена", "Відхилена";
    Reason => "Reason", "Powód", "Причина", "Причина";
    NoPayouts => "No payouts yet.", "Brak wypłat.", "Выплат пока нет.", "Виплат поки немає.";
    Partner => "Partner", "Partner", "Партнёр", "Партнер";
    Pay => "Pay", "Wypłać", "Выплатить", "Виплатити";
    Reject => "Reject", "Odrzuć", "Отклонить", "Відхилити";
    OnlyOpen => "Open only", "Tylko otwarte", "Только открытые", "Лише відкриті";
    // Staff: partners
    Wallet => "Wallet", "Portfel", "Кошелёк", "Гаманець";
    Adjust => "Adjust", "Koryguj", "Корректировать", "Коригувати";
    Edit => "Edit", "Edytuj", "Изменить", "Змінити";
    AdjustHint => "Positive credits, negative debits.", "Dodatnia uznaje, ujemna obciąża.", "Положительная зачисляет, отрицательная списывает.", "Додатна зараховує, від'ємна списує.";
    ExternalId => "External id", "Identyfikator zewnętrzny", "Внешний id", "Зовнішній id";
    Sponsor => "Sponsor", "Sponsor", "Спонсор", "Спонсор";
    Change => "Change", "Zmień", "Изменить", "Змінити";
    AddPartner => "Add partner", "Dodaj partnera", "Добавить партнёра", "Додати партнера";
    // Staff: program
    Currency => "Currency", "Waluta", "Валюта", "Валюта";
    MinPayout => "Minimum payout", "Minimalna wypłata", "Минимальная выплата", "Мінімальна виплата";
    OpenSignup => "Anyone may register without a referral", "Każdy może się zarejestrować bez polecenia", "Регистрация без реферала открыта", "Реєстрація без реферала відкрита";
    ExternalIdTemplate => "External id template", "Szablon identyfikatora", "Шаблон внешнего id", "Шаблон зовнішнього id";
    WidgetOrigins => "Widget origins (one per line)", "Domeny widżetu (jedna na linię)", "Домены виджета (по одному в строке)", "Домени віджета (по одному в рядку)";
    ReversalStatuses => "Reversal statuses (comma separated)", "Statusy storna (po przecinku)", "Статусы сторно (через запятую)", "Статуси сторно (через кому)";
    Rules => "Commission rules", "Reguły prowizji", "Правила комиссий", "Правила комісій";
    AddRule => "Add rule", "Dodaj regułę", "Добавить правило", "Додати правило";
    RemoveRule => "Remove rule", "Usuń regułę", "Удалить правило", "Видалити правило";
    On => "Earns when", "Nalicza gdy", "Начисляется когда", "Нараховується коли";
    DealEnters => "the deal enters status", "transakcja wchodzi w status", "сделка переходит в статус", "угода переходить у статус";
    LeadCreated => "a lead is created", "powstaje lead", "создан лид", "створено лід";
    ClientRegistered => "a client registers", "klient się rejestruje", "клиент зарегистрирован", "клієнт зареєстрований";
    Percent => "Percent", "Procent", "Процент", "Відсоток";
    Fixed => "Fixed amount", "Kwota stała", "Фиксированная сумма", "Фіксована сума";
    AddLevel => "Add level", "Dodaj poziom", "Добавить уровень", "Додати рівень";
    Remove => "Remove", "Usuń", "Удалить", "Видалити";
    Tiers => "Level 1 tiers by turnover", "Progi poziomu 1 wg obrotu", "Ступени 1-го уровня по обороту", "Щаблі 1-го рівня за оборотом";
    AddTier => "Add tier", "Dodaj próg", "Добавить ступень", "Додати щабель";
    TierFrom => "From turnover", "Od obrotu", "От оборота", "Від обороту";
    Terms => "Program terms", "Regulamin programu", "Условия программы", "Умови програми";
    UploadTerms => "Upload PDF", "Wyślij PDF", "Загрузить PDF", "Завантажити PDF";
    CurrentTerms => "Current version", "Aktualna wersja", "Текущая версия", "Поточна версія";
    NoTerms => "No terms uploaded: joining needs none.", "Brak regulaminu: dołączenie go nie wymaga.", "Условий нет: для вступления не нужны.", "Умов немає: для вступу не потрібні.";
    // Simulator
    Simulator => "What-if simulator", "Symulator", "Симулятор", "Симулятор";
    SimulatorHint => "Runs the same commission walk as the server, on a sample chain, as you edit the plan.", "Uruchamia ten sam algorytm prowizji co serwer na przykładowym łańcuchu, podczas edycji planu.", "Запускает тот же расчёт комиссий, что и сервер, на примерной цепочке, пока вы правите план.", "Запускає той самий розрахунок комісій, що й сервер, на зразковому ланцюжку, поки ви редагуєте план.";
    ChainLength => "Partners in the chain", "Partnerzy w łańcuchu", "Партнёров в цепочке", "Партнерів у ланцюжку";
    DealAmount => "Deal amount", "Kwota transakcji", "Сумма сделки", "Сума угоди";
    DealStatus => "Status entered", "Nowy status", "Новый статус", "Новий статус";
    Turnover => "Level 1 turnover so far", "Dotychczasowy obrót poziomu 1", "Оборот 1-го уровня до сделки", "Оборот 1-го рівня до угоди";
    NothingEarned => "Nothing would be credited.", "Nic nie zostałoby naliczone.", "Ничего не начислится.", "Нічого не буде нараховано.";
    Total => "Total", "Razem", "Итого", "Разом";
    // Staff: users and deals
    Permissions => "Permissions", "Uprawnienia", "Права", "Права";
    Supervisor => "Supervisor", "Przełożony", "Руководитель", "Керівник";
    None_ => "none", "brak", "нет", "немає";
    AddUser => "Add staff user", "Dodaj użytkownika", "Добавить сотрудника", "Додати співробітника";
    DealLookup => "Deal lookup", "Wyszukaj transakcję", "Поиск сделки", "Пошук угоди";
    Find => "Find", "Znajdź", "Найти", "Знайти";
    History => "Status history", "Historia statusów", "История статусов", "Історія статусів";
    Earned => "What it earned", "Co zarobiła", "Что она принесла", "Що вона принесла";
    Preview => "Commission preview", "Podgląd prowizji", "Предпросмотр комиссии", "Попередній перегляд комісії";
    PreviewIf => "if it entered", "gdyby weszła w", "если перейдёт в", "якщо перейде в";
    Rule => "Rule", "Reguła", "Правило", "Правило";
    LandingUrl => "Landing page for referral links (https://…; empty: the registration page)", "Strona docelowa linków polecających (https://…; puste: rejestracja)", "Страница для реферальных ссылок (https://…; пусто: регистрация)", "Сторінка для реферальних посилань (https://…; порожньо: реєстрація)";
    AttributionWindowDays => "Attribution window, days (1–365)", "Okno atrybucji, dni (1–365)", "Окно атрибуции, дней (1–365)", "Вікно атрибуції, днів (1–365)";
    HoldDays => "Hold period before commissions can be paid out, days (0–365)", "Okres wstrzymania prowizji przed wypłatą, dni (0–365)", "Период удержания комиссий до выплаты, дней (0–365)", "Період утримання комісій до виплати, днів (0–365)";
    FirstClickWins => "The first referral wins (otherwise the last one)", "Wygrywa pierwsze polecenie (inaczej ostatnie)", "Побеждает первая рекомендация (иначе последняя)", "Перемагає перша рекомендація (інакше остання)";
    LeadConsentText => "Consent text of the lead form (empty: the widget's own)", "Tekst zgody formularza (puste: domyślny)", "Текст согласия в форме (пусто: стандартный)", "Текст згоди у формі (порожньо: стандартний)";
    WholeDays => "must be a whole number of days", "musi być liczbą całkowitą dni", "должно быть целым числом дней", "має бути цілою кількістю днів";
    WidgetSnippet => "Widget for your site", "Widżet na Twoją stronę", "Виджет для вашего сайта", "Віджет для вашого сайту";
    WidgetSnippetHint => "Paste this into your site's pages; add the site's origin to the widget origins above.", "Wklej to na strony swojej witryny; dodaj jej domenę do domen widżetu powyżej.", "Вставьте это на страницы сайта; добавьте его домен в домены виджета выше.", "Вставте це на сторінки сайту; додайте його домен до доменів віджета вище.";
    PanelClients => "Clients", "Klienci", "Клиенты", "Клієнти";
    PanelLeads => "Leads", "Leady", "Лиды", "Ліди";
    PanelDealsWon => "Deals won", "Wygrane transakcje", "Выигранные сделки", "Виграні угоди";
    PanelPending => "Pending", "Oczekuje", "В ожидании", "Очікує";
    PanelPaidOut => "Paid out", "Wypłacono", "Выплачено", "Виплачено";
    PanelExpired => "This panel has expired. Reload the page to see it again.", "Panel wygasł. Odśwież stronę, aby zobaczyć go ponownie.", "Срок действия панели истёк. Обновите страницу, чтобы увидеть её снова.", "Термін дії панелі минув. Оновіть сторінку, щоб побачити її знову.";
}

/// The language names as their speakers write them.
pub fn language_name(language: Language) -> &'static str {
    match language {
        Language::En => "English",
        Language::Pl => "Polski",
        Language::Ru => "Русский",
        Language::Uk => "Українська",
    }
}

/// The language a browser asks for, if Upline speaks it (`pl-PL` → Polish).
pub fn from_browser(tag: &str) -> Option<Language> {
    Language::parse(&tag.get(..2)?.to_ascii_lowercase())
}

fn currency_symbol(code: &str) -> Option<&'static str> {
    Some(match code {
        "EUR" => "€",
        "USD" => "$",
        "GBP" => "£",
        "PLN" => "zł",
        "UAH" => "₴",
        "RUB" => "₽",
        "JPY" => "¥",
        _ => return None,
    })
}

/// An exact amount as the locale writes it: `€1,234.50` in English, `1 234,50 €` in the others
/// (Polish, Russian and Ukrainian group thousands with a no-break space and use a decimal comma).
pub fn format_money(
    language: Language,
    amount: Decimal,
    currency: &str,
    minor_units: u32,
) -> String {
    let mut rounded = amount.round_dp(minor_units);
    rounded.rescale(minor_units);
    let text = rounded.abs().to_string();
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let (group, point) = match language {
        Language::En => (",", "."),
        _ => ("\u{a0}", ","),
    };
    let mut grouped = String::new();
    for (index, digit) in whole.chars().enumerate() {
        if index > 0 && (whole.len() - index) % 3 == 0 {
            grouped.push_str(group);
        }
        grouped.push(digit);
    }
    let number = if fraction.is_empty() {
        grouped
    } else {
        format!("{grouped}{point}{fraction}")
    };
    let sign = if rounded.is_sign_negative() && !rounded.is_zero() {
        "−"
    } else {
        ""
    };
    let symbol = currency_symbol(currency).unwrap_or(currency);
    match language {
        Language::En if symbol.len() <= 3 && currency_symbol(currency).is_some() => {
            format!("{sign}{symbol}{number}")
        }
        Language::En => format!("{sign}{number} {symbol}"),
        _ => format!("{sign}{number}\u{a0}{symbol}"),
    }
}

const MONTHS: [[&str; 12]; 4] = [
    [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ],
    [
        "sty", "lut", "mar", "kwi", "maj", "cze", "lip", "sie", "wrz", "paź", "lis", "gru",
    ],
    [
        "янв.",
        "февр.",
        "мар.",
        "апр.",
        "мая",
        "июн.",
        "июл.",
        "авг.",
        "сент.",
        "окт.",
        "нояб.",
        "дек.",
    ],
    [
        "січ.",
        "лют.",
        "бер.",
        "квіт.",
        "трав.",
        "черв.",
        "лип.",
        "серп.",
        "вер.",
        "жовт.",
        "лист.",
        "груд.",
    ],
];

fn months(language: Language) -> &'static [&'static str; 12] {
    match language {
        Language::En => &MONTHS[0],
        Language::Pl => &MONTHS[1],
        Language::Ru => &MONTHS[2],
        Language::Uk => &MONTHS[3],
    }
}

/// `2026-12-01T…` as `Dec 1, 2026` / `1 gru 2026` / `1 дек. 2026` / `1 груд. 2026`.
pub fn format_date(language: Language, rfc3339: &str) -> String {
    let parsed = (|| {
        let year: u32 = rfc3339.get(0..4)?.parse().ok()?;
        let month: usize = rfc3339.get(5..7)?.parse().ok()?;
        let day: u32 = rfc3339.get(8..10)?.parse().ok()?;
        let name = months(language).get(month.checked_sub(1)?)?;
        Some((year, *name, day))
    })();
    match (parsed, language) {
        (Some((year, month, day)), Language::En) => format!("{month} {day}, {year}"),
        (Some((year, month, day)), _) => format!("{day} {month} {year}"),
        (None, _) => rfc3339.to_owned(),
    }
}

/// A month key `2026-12` as `Dec 2026` (chart labels).
pub fn format_month(language: Language, key: &str) -> String {
    let month: Option<usize> = key.get(5..7).and_then(|m| m.parse().ok());
    match month.and_then(|m| months(language).get(m.checked_sub(1)?)) {
        Some(name) => format!("{name} {}", &key[2..4]),
        None => key.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    fn dec(text: &str) -> Decimal {
        text.parse().unwrap()
    }

    #[wasm_bindgen_test]
    async fn every_text_has_four_non_empty_translations() {
        for language in Language::ALL {
            let texts = texts(language).await;
            for key in T::ALL {
                assert!(!texts[*key as usize].is_empty(), "{key:?} in {language:?}");
            }
        }
    }

    #[wasm_bindgen_test]
    fn money_is_written_per_locale_without_losing_a_cent() {
        assert_eq!(
            format_money(Language::En, dec("1234567.5"), "EUR", 2),
            "€1,234,567.50"
        );
        assert_eq!(
            format_money(Language::Pl, dec("1234.5"), "PLN", 2),
            "1\u{a0}234,50\u{a0}zł"
        );
        assert_eq!(
            format_money(Language::Uk, dec("-20"), "UAH", 2),
            "−20,00\u{a0}₴"
        );
        assert_eq!(format_money(Language::En, dec("12"), "CHF", 2), "12.00 CHF");
        assert_eq!(
            format_money(Language::Ru, dec("999"), "JPY", 0),
            "999\u{a0}¥"
        );
    }

    #[wasm_bindgen_test]
    fn dates_are_written_per_locale() {
        let at = "2026-12-01T10:00:00Z";
        assert_eq!(format_date(Language::En, at), "Dec 1, 2026");
        assert_eq!(format_date(Language::Pl, at), "1 gru 2026");
        assert_eq!(format_date(Language::Uk, at), "1 груд. 2026");
        assert_eq!(format_month(Language::Ru, "2026-03"), "мар. 26");
    }

    #[wasm_bindgen_test]
    fn a_browser_language_maps_to_one_upline_speaks() {
        assert_eq!(from_browser("pl-PL"), Some(Language::Pl));
        assert_eq!(from_browser("uk"), Some(Language::Uk));
        assert_eq!(from_browser("de-DE"), None);
    }
}
