/** A column heading (`scope="col"`, so screen readers announce it with each cell); numbers align right. */
export function ColumnHeader({
  align = "left",
  className = "",
  children,
  ...rest
}: React.ThHTMLAttributes<HTMLTableCellElement> & { align?: "left" | "right" }) {
  return (
    <th scope="col" {...rest} className={`font-medium ${align === "right" ? "text-right" : "text-left"} ${className}`}>
      {children}
    </th>
  );
}
